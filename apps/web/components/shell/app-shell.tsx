'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { BrandLink } from './brand-link';
import { useEffect, useState, type ReactNode } from 'react';
import { ThemeToggle } from '@/components/ui/theme-toggle';
import { ConversationSidebar } from './conversation-sidebar';
import { UserMenu } from './user-menu';
import { ApprovalsBadge } from './approvals-badge';
import { ApiError } from '@/lib/client/api-error';
import { bffRaw } from '@/lib/client/bff-fetch';
import { hasScope, useMe } from '@/lib/client/queries';

const NAV = [
  { href: '/', label: 'Chat' },
  { href: '/agents', label: 'Agents' },
  { href: '/knowledge', label: 'Knowledge' },
  { href: '/billing', label: 'Billing' },
  { href: '/settings', label: 'Settings' },
];

function isActive(pathname: string, href: string) {
  return href === '/' ? pathname === '/' || pathname.startsWith('/c/') : pathname.startsWith(href);
}

/** Header with navigation, and the conversation sidebar (a drawer on phones). */
export function AppShell({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  const me = useMe();
  const [drawerOpen, setDrawerOpen] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: close the drawer whenever the route changes
  useEffect(() => setDrawerOpen(false), [pathname]);
  useEffect(() => {
    if (!drawerOpen) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setDrawerOpen(false);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [drawerOpen]);

  if (me.error instanceof ApiError && me.error.code === 'tenant_suspended') return <SuspendedWorkspace />;
  // The operator console is shown to platform operators only.
  const nav = hasScope(me.data, 'platform:operator') ? [...NAV, { href: '/platform', label: 'Platform' }] : NAV;
  return (
    <div className="flex h-dvh flex-col">
      <header className="flex h-14 shrink-0 items-center gap-2 border-b border-zinc-200 px-3 dark:border-zinc-800 sm:px-4">
        <button
          type="button"
          className="rounded-lg p-2 hover:bg-zinc-100 dark:hover:bg-zinc-800 md:hidden"
          aria-label="Open conversations"
          aria-expanded={drawerOpen}
          aria-controls="conversation-sidebar"
          onClick={() => setDrawerOpen(true)}
        >
          <span aria-hidden>☰</span>
        </button>
        <BrandLink compactName />
        <nav aria-label="Main" className="ml-2 flex min-w-0 flex-1 gap-1 overflow-x-auto">
          {nav.map((item) => (
            <Link
              key={item.href}
              href={item.href}
              aria-current={isActive(pathname, item.href) ? 'page' : undefined}
              className="whitespace-nowrap rounded-lg px-2.5 py-1.5 text-sm text-zinc-700 hover:bg-zinc-100 aria-[current=page]:bg-zinc-100 aria-[current=page]:font-semibold aria-[current=page]:text-zinc-950 dark:text-zinc-300 dark:hover:bg-zinc-800 dark:aria-[current=page]:bg-zinc-800 dark:aria-[current=page]:text-white"
            >
              {item.label}
            </Link>
          ))}
        </nav>
        <ApprovalsBadge />
        <ThemeToggle />
        <UserMenu />
      </header>
      <div className="flex min-h-0 flex-1">
        {drawerOpen && (
          <div className="fixed inset-0 z-30 bg-black/40 md:hidden" aria-hidden onClick={() => setDrawerOpen(false)} />
        )}
        <aside
          id="conversation-sidebar"
          aria-label="Conversations"
          className={`fixed inset-y-0 left-0 z-40 w-72 transform border-r border-zinc-200 bg-zinc-50 transition-transform dark:border-zinc-800 dark:bg-zinc-900 md:static md:z-auto md:translate-x-0 ${
            drawerOpen ? 'translate-x-0' : '-translate-x-full'
          }`}
        >
          <ConversationSidebar onClose={() => setDrawerOpen(false)} />
        </aside>
        <main id="main" className="min-w-0 flex-1 overflow-y-auto">
          {children}
        </main>
      </div>
    </div>
  );
}

/** What a suspended workspace's people see instead of failing pages. */
function SuspendedWorkspace() {
  const signOut = async () => {
    await bffRaw('/bff/auth/logout', { method: 'POST', allowUnauthenticated: true }).catch(() => undefined);
    window.location.assign('/login');
  };
  return (
    <main id="main" className="flex min-h-dvh items-center justify-center p-6">
      <div className="max-w-md text-center">
        <h1 className="text-2xl font-semibold">This workspace is suspended</h1>
        <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
          Access to this workspace has been suspended by the operators of this service. Your conversations are kept.
          Contact support to restore access.
        </p>
        <button
          type="button"
          onClick={signOut}
          className="mt-6 rounded-lg bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700"
        >
          Sign out
        </button>
      </div>
    </main>
  );
}
