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

const json = (status: number, body: object, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });
const mfaRequired = () =>
  json(202, {
    mfa_required: true,
    mfa_token: 'mfa_tok',
    expires_at: new Date(Date.now() + 300_000).toISOString(),
    methods: ['totp', 'recovery_code'],
  });

describe('login with two-step verification', () => {
  const fetchMock = vi.fn();
  const assign = vi.fn();
  beforeEach(() => {
    vi.stubGlobal('fetch', fetchMock);
    vi.stubGlobal('location', { ...window.location, assign });
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    fetchMock.mockReset();
    assign.mockReset();
  });

  async function passwordStep() {
    render(<LoginForm />);
    await userEvent.type(screen.getByLabelText('Email'), 'a@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'a right password');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
  }

  it('a 202 asks for the code, which goes to /bff/auth/mfa with the token; then it navigates', async () => {
    fetchMock.mockResolvedValueOnce(mfaRequired()).mockResolvedValueOnce(json(200, { user_id: 'u' }));
    await passwordStep();
    await userEvent.type(await screen.findByLabelText('Authentication code'), '123 456');
    await userEvent.click(screen.getByRole('button', { name: 'Verify' }));
    await vi.waitFor(() => expect(assign).toHaveBeenCalledWith('/billing'));
    const [url, init] = fetchMock.mock.calls[1]!;
    expect(url).toBe('/bff/auth/mfa');
    expect(JSON.parse(init.body)).toEqual({ mfa_token: 'mfa_tok', code: '123456' });
  });

  it('a recovery code instead; a wrong one says so', async () => {
    fetchMock
      .mockResolvedValueOnce(mfaRequired())
      .mockResolvedValueOnce(
        json(
          401,
          { type: 'about:blank', title: 'x', status: 401, code: 'invalid_mfa_code' },
          'application/problem+json',
        ),
      );
    await passwordStep();
    await userEvent.click(await screen.findByRole('button', { name: 'Use a recovery code' }));
    await userEvent.type(screen.getByLabelText('Recovery code'), 'abcde-fghij');
    await userEvent.click(screen.getByRole('button', { name: 'Verify' }));
    expect(await screen.findByText('That recovery code is wrong or was already used.')).toBeTruthy();
    expect(JSON.parse(fetchMock.mock.calls[1]![1].body)).toEqual({
      mfa_token: 'mfa_tok',
      recovery_code: 'abcde-fghij',
    });
    expect(assign).not.toHaveBeenCalled();
  });

  it('a dead mfa_token sends back to the password step with an explanation', async () => {
    fetchMock
      .mockResolvedValueOnce(mfaRequired())
      .mockResolvedValueOnce(
        json(401, { type: 'about:blank', title: 'x', status: 401, code: 'invalid_token' }, 'application/problem+json'),
      );
    await passwordStep();
    await userEvent.type(await screen.findByLabelText('Authentication code'), '123456');
    await userEvent.click(screen.getByRole('button', { name: 'Verify' }));
    expect(await screen.findByText(/Sign in again/)).toBeTruthy();
    expect(screen.getByLabelText('Password')).toBeTruthy();
  });
});
