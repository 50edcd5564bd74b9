'use client';
import { useState } from 'react';

/**
 * The profile picture when there is one that loads (the API accepts https URLs only), else the
 * first letter of the name. Decorative: the name is always written next to it.
 */
export function Avatar({
  url,
  name,
  size = 'sm',
}: {
  url: string | null | undefined;
  name: string;
  size?: 'sm' | 'lg';
}) {
  const [failed, setFailed] = useState<string | null>(null);
  const box = size === 'lg' ? 'size-14 text-xl' : 'size-7 text-sm';
  if (url && failed !== url) {
    // A plain <img>: avatars come from any https host, which next/image would need listed one by one.
    return (
      <img
        src={url}
        alt=""
        aria-hidden
        referrerPolicy="no-referrer"
        onError={() => setFailed(url)}
        className={`${box} shrink-0 rounded-full object-cover`}
      />
    );
  }
  return (
    <span
      aria-hidden
      className={`${box} grid shrink-0 place-items-center rounded-full bg-zinc-200 font-medium text-zinc-700 dark:bg-zinc-700 dark:text-zinc-100`}
    >
      {(name.trim()[0] ?? '?').toUpperCase()}
    </span>
  );
}
