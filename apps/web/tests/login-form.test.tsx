import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

vi.mock('next/navigation', () => ({ useSearchParams: () => new URLSearchParams('next=/billing') }));
vi.mock('next/link', () => ({
  default: ({ href, children, ...rest }: { href: string; children: React.ReactNode }) => (
    <a href={href} {...rest}>
      {children}
    </a>
  ),
}));

const { LoginForm } = await import('@/components/auth/login-form');
const { SignupForm } = await import('@/components/auth/signup-form');

function problem(status: number, body: object, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify({ type: 'about:blank', title: 'x', status, ...body }), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}

describe('auth forms', () => {
  const fetchMock = vi.fn();
  beforeEach(() => vi.stubGlobal('fetch', fetchMock));
  afterEach(() => {
    vi.unstubAllGlobals();
    fetchMock.mockReset();
  });

  it('shows 422 field errors next to their inputs', async () => {
    fetchMock.mockResolvedValue(
      problem(422, {
        code: 'validation_failed',
        errors: [{ path: 'password', message: 'Use at least 12 characters.' }],
      }),
    );
    render(<SignupForm />);
    await userEvent.type(screen.getByLabelText('Email'), 'a@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'short');
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    const error = await screen.findByText('Use at least 12 characters.');
    expect(screen.getByLabelText('Password').getAttribute('aria-describedby')).toBe(error.id);
    expect(screen.getByLabelText('Password').getAttribute('aria-invalid')).toBe('true');
  });

  it('counts down after a 429 and blocks resubmitting', async () => {
    fetchMock.mockResolvedValue(problem(429, { code: 'rate_limited', detail: 'Slow down.' }, { 'retry-after': '30' }));
    render(<LoginForm />);
    await userEvent.type(screen.getByLabelText('Email'), 'a@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'whatever password');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    const button = await screen.findByRole('button', { name: /Try again in (30|29)s/ });
    expect(button).toHaveProperty('disabled', true);
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  it('says plainly when credentials are wrong and posts to the BFF, not the API', async () => {
    fetchMock.mockResolvedValue(problem(401, { code: 'invalid_credentials', detail: 'Invalid email or password.' }));
    render(<LoginForm />);
    await userEvent.type(screen.getByLabelText('Email'), 'a@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'wrong password!!');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('That email and password do not match.')).toBeTruthy();
    expect(fetchMock.mock.calls[0]![0]).toBe('/bff/auth/login');
  });
});
