import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { Markdown } from '@/components/markdown/markdown';
import { highlightCode } from '@/components/markdown/highlight-code';

describe('Markdown', () => {
  it('renders emphasis, lists and highlighted code', () => {
    const { container } = render(
      <Markdown source={'Hello **bold** and `x`\n\n- one\n- two\n\n```ts\nconst a = 1; // note\n```'} />,
    );
    expect(screen.getByText('bold').tagName).toBe('STRONG');
    expect(screen.getAllByRole('listitem')).toHaveLength(2);
    expect(container.querySelector('.tok-keyword')?.textContent).toBe('const');
    expect(container.querySelector('.tok-comment')?.textContent).toBe('// note');
  });

  it('never turns model output into markup or script links', () => {
    const { container } = render(
      <Markdown source={'<img src=x onerror=alert(1)> [click](javascript:alert(1)) [ok](https://example.com)'} />,
    );
    expect(container.querySelector('img')).toBeNull();
    const links = container.querySelectorAll('a');
    expect(links).toHaveLength(1);
    expect(links[0]!.getAttribute('href')).toBe('https://example.com');
    expect(links[0]!.getAttribute('rel')).toContain('noopener');
    expect(container.textContent).toContain('<img src=x onerror=alert(1)>');
  });

  it('keeps an unclosed fence (mid-stream) as code', () => {
    const { container } = render(<Markdown source={'```py\nprint("hi")'} />);
    expect(container.querySelector('pre')?.textContent).toContain('print("hi")');
  });
});

describe('highlightCode', () => {
  it('loses no characters', () => {
    const code = 'function f(a) { return "s" + 42 /* c */ }';
    expect(
      highlightCode(code, 'js')
        .map((t) => t.text)
        .join(''),
    ).toBe(code);
  });
});
