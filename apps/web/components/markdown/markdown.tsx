'use client';
import { Fragment, memo, useState } from 'react';
import { highlightCode } from './highlight-code';
import { parseBlocks, parseInline } from './parse-markdown';

/**
 * Renders Markdown as React elements. Text only ever becomes text nodes; there is no HTML path,
 * so model output cannot inject markup or scripts.
 */
export const Markdown = memo(function Markdown({ source }: { source: string }) {
  return (
    <div className="space-y-3 break-words leading-relaxed">
      {parseBlocks(source).map((block, i) => {
        switch (block.type) {
          case 'heading': {
            const size = block.level <= 2 ? 'text-lg' : 'text-base';
            return (
              <p key={i} role="heading" aria-level={Math.min(block.level + 2, 6)} className={`${size} font-semibold`}>
                <Inline text={block.text} />
              </p>
            );
          }
          case 'paragraph':
            return (
              <p key={i} className="whitespace-pre-wrap">
                <Inline text={block.text} />
              </p>
            );
          case 'code':
            return <CodeBlock key={i} lang={block.lang} code={block.code} />;
          case 'list': {
            const List = block.ordered ? 'ol' : 'ul';
            return (
              <List key={i} className={`space-y-1 pl-6 ${block.ordered ? 'list-decimal' : 'list-disc'}`}>
                {block.items.map((item, j) => (
                  <li key={j}>
                    <Inline text={item} />
                  </li>
                ))}
              </List>
            );
          }
          case 'quote':
            return (
              <blockquote
                key={i}
                className="border-l-4 border-zinc-300 pl-3 text-zinc-700 dark:border-zinc-600 dark:text-zinc-300"
              >
                <Inline text={block.text} />
              </blockquote>
            );
          case 'rule':
            return <hr key={i} className="border-zinc-200 dark:border-zinc-700" />;
        }
      })}
    </div>
  );
});

function Inline({ text }: { text: string }) {
  return (
    <>
      {parseInline(text).map((part, i) => {
        switch (part.type) {
          case 'text':
            return <Fragment key={i}>{part.text}</Fragment>;
          case 'code':
            return (
              <code key={i} className="rounded bg-zinc-100 px-1 py-0.5 font-mono text-[0.9em] dark:bg-zinc-800">
                {part.text}
              </code>
            );
          case 'strong':
            return <strong key={i}>{part.text}</strong>;
          case 'em':
            return <em key={i}>{part.text}</em>;
          case 'link':
            return (
              <a
                key={i}
                href={part.href}
                target="_blank"
                rel="noopener noreferrer nofollow"
                className="text-brand-700 underline dark:text-brand-100"
              >
                {part.text}
              </a>
            );
        }
      })}
    </>
  );
}

export function CodeBlock({ code, lang }: { code: string; lang: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(code);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      // Clipboard blocked (insecure context): the code stays selectable.
    }
  };
  return (
    <div className="overflow-hidden rounded-lg border border-zinc-200 bg-zinc-50 dark:border-zinc-700 dark:bg-zinc-900">
      <div className="flex items-center justify-between border-b border-zinc-200 px-3 py-1 text-xs text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
        <span>{lang || 'code'}</span>
        <button type="button" onClick={copy} className="rounded px-1.5 py-0.5 hover:bg-zinc-200 dark:hover:bg-zinc-800">
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <pre className="overflow-x-auto p-3 text-sm">
        <code className="font-mono">
          {highlightCode(code, lang).map((t, i) =>
            t.type === 'plain' ? (
              <Fragment key={i}>{t.text}</Fragment>
            ) : (
              <span key={i} className={`tok-${t.type}`}>
                {t.text}
              </span>
            ),
          )}
        </code>
      </pre>
    </div>
  );
}
