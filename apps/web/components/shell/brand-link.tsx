import Link from 'next/link';
import { ThemeToggle } from '@/components/ui/theme-toggle';

/** The product's mark and name, linking home. `compactName` hides the name on small screens. */
export function BrandLink({ compactName = false }: { compactName?: boolean }) {
  return (
    <Link href="/" className="flex items-center gap-2 font-semibold">
      <span aria-hidden className="grid size-7 place-items-center rounded-lg bg-brand-600 text-sm text-white">
        A
      </span>
      <span className={compactName ? 'hidden sm:inline' : undefined}>Agentry</span>
    </Link>
  );
}

/** The header of pages outside the app shell (sign-in pages, shared conversations). */
export function PublicHeader({ className = '' }: { className?: string }) {
  return (
    <header className={`flex items-center justify-between px-4 py-3 sm:px-6 ${className}`}>
      <BrandLink />
      <ThemeToggle />
    </header>
  );
}
