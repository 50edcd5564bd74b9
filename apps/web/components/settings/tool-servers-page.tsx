'use client';
import { useState } from 'react';
import Link from 'next/link';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { McpRequireApproval, McpServer } from '@agentry/contracts';
import { api } from '@/lib/client/api';
import { describeError } from '@/lib/client/api-error';
import { hasScope, useMe } from '@/lib/client/queries';
import { field, text, useApiForm } from '@/lib/hooks/use-api-form';
import { Card, EmptyState } from '@/components/ui/feedback';
import { QueryView } from '@/components/ui/query-view';
import { TextField } from '@/components/ui/text-field';
import { Button } from '@/components/ui/button';
import { FormSubmit } from '@/components/auth/form-footer';
import { useToast } from '@/components/ui/toaster';

const QUERY_KEY = ['mcp-servers'];
const selectClass =
  'block w-full rounded-lg border border-zinc-300 bg-white px-3 py-2 text-sm text-zinc-900 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100';

const names = (value: string | undefined) =>
  (value ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

function policyLabel(policy: McpRequireApproval): string {
  if (policy === 'always') return 'every call needs approval';
  if (policy === 'never') return 'no approval needed';
  return `approval for ${policy.tools.join(', ') || 'no tools'}`;
}

/** Settings → Tool servers: the tenant's MCP servers, their status and tools. */
export function ToolServersPage() {
  const me = useMe();
  const canManage = hasScope(me.data, 'tools:manage');
  const servers = useQuery({ queryKey: QUERY_KEY, queryFn: () => api.get('/mcp-servers') });
  return (
    <div className="mx-auto max-w-3xl space-y-6 p-4 sm:p-6">
      <header>
        <p className="text-sm">
          <Link href="/settings" className="text-brand-700 hover:underline dark:text-brand-100">
            Settings
          </Link>
        </p>
        <h1 className="text-2xl font-semibold">Tool servers</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          MCP servers whose tools your agents may call, as <code>server__tool</code>.
        </p>
      </header>
      <Card title="Servers">
        <QueryView
          query={servers}
          loading="Loading tool servers"
          rows={2}
          empty={<EmptyState title="No tool servers yet">Add one below to give your agents its tools.</EmptyState>}
        >
          {({ items }) => (
            <ul className="divide-y divide-zinc-200 dark:divide-zinc-800" aria-label="Tool servers">
              {items.map((s) => (
                <ServerRow key={s.id} server={s} canManage={canManage} />
              ))}
            </ul>
          )}
        </QueryView>
      </Card>
      {canManage ? (
        <AddServerCard />
      ) : (
        <Card title="Add a tool server">
          <EmptyState title="Only admins manage tool servers" />
        </Card>
      )}
    </div>
  );
}

function ServerRow({ server, canManage }: { server: McpServer; canManage: boolean }) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const done = (message: string) => () => {
    toast(message, 'success');
    void queryClient.invalidateQueries({ queryKey: QUERY_KEY });
  };
  const onError = (error: unknown) => toast(describeError(error), 'error');
  const refresh = useMutation({
    mutationFn: () => api.post('/mcp-servers/:id/refresh', { params: { id: server.id } }),
    onSuccess: (s) => {
      toast(
        s.status === 'ok' ? `${s.name}: connected, ${s.tools.length} tools` : `${s.name}: ${s.last_error}`,
        s.status === 'ok' ? 'success' : 'error',
      );
      void queryClient.invalidateQueries({ queryKey: QUERY_KEY });
    },
    onError,
  });
  const toggle = useMutation({
    mutationFn: () => api.patch('/mcp-servers/:id', { params: { id: server.id }, body: { enabled: !server.enabled } }),
    onSuccess: done(server.enabled ? `${server.name} disabled` : `${server.name} enabled`),
    onError,
  });
  const remove = useMutation({
    mutationFn: () => api.delete('/mcp-servers/:id', { params: { id: server.id } }),
    onSuccess: done(`${server.name} deleted`),
    onError,
  });
  const offered = server.tools.filter((t) => server.allowed_tools === null || server.allowed_tools.includes(t.name));
  return (
    <li className="space-y-2 py-3 text-sm" aria-label={`Tool server ${server.name}`}>
      <div className="flex flex-wrap items-center gap-2">
        <div className="min-w-0 flex-1">
          <p className="font-medium">
            {server.name}{' '}
            <span
              className={`ml-1 rounded px-1.5 py-0.5 text-xs ${
                server.status === 'ok'
                  ? 'bg-green-100 text-green-800 dark:bg-green-900 dark:text-green-100'
                  : 'bg-red-100 text-red-800 dark:bg-red-900 dark:text-red-100'
              }`}
            >
              {server.status === 'ok' ? 'connected' : 'error'}
            </span>
            {!server.enabled && <span className="ml-1 text-xs text-zinc-500">disabled</span>}
          </p>
          <p className="break-all text-xs text-zinc-600 dark:text-zinc-400">
            {server.url} · {server.transport === 'sse' ? 'SSE' : 'Streamable HTTP'} ·{' '}
            {policyLabel(server.require_approval)}
            {server.header_names.length > 0 && ` · headers: ${server.header_names.join(', ')}`}
          </p>
          {server.last_error && (
            <p role="status" className="mt-1 text-xs text-red-700 dark:text-red-400">
              {server.last_error}
            </p>
          )}
        </div>
        {canManage && (
          <div className="flex gap-1">
            <Button size="sm" variant="ghost" loading={refresh.isPending} onClick={() => refresh.mutate()}>
              Test connection
            </Button>
            <Button size="sm" variant="ghost" loading={toggle.isPending} onClick={() => toggle.mutate()}>
              {server.enabled ? 'Disable' : 'Enable'}
            </Button>
            <Button
              size="sm"
              variant="ghost"
              loading={remove.isPending}
              onClick={() => remove.mutate()}
              aria-label={`Delete tool server ${server.name}`}
            >
              Delete
            </Button>
          </div>
        )}
      </div>
      {offered.length > 0 && (
        <ul className="flex flex-wrap gap-1" aria-label={`Tools of ${server.name}`}>
          {offered.map((t) => (
            <li
              key={t.name}
              title={t.description}
              className="rounded bg-zinc-100 px-1.5 py-0.5 font-mono text-xs dark:bg-zinc-800"
            >
              {server.name}__{t.name}
              {t.requires_approval && <span className="ml-1 text-amber-700 dark:text-amber-300">(approval)</span>}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

function AddServerCard() {
  const toast = useToast();
  const queryClient = useQueryClient();
  const [headers, setHeaders] = useState<{ key: number; name: string; value: string }[]>([]);
  const [policy, setPolicy] = useState<'always' | 'never' | 'tools'>('always');
  const form = useApiForm(
    (data) => {
      const requireApproval: McpRequireApproval =
        policy === 'tools' ? { tools: names(field(data, 'approval_tools')) } : policy;
      const allowed = names(field(data, 'allowed_tools'));
      return api.post('/mcp-servers', {
        body: {
          name: text(data, 'name'),
          url: text(data, 'url'),
          transport: text(data, 'transport') === 'sse' ? 'sse' : 'streamable_http',
          headers: Object.fromEntries(headers.filter((h) => h.name.trim()).map((h) => [h.name.trim(), h.value])),
          allowed_tools: allowed.length ? allowed : null,
          require_approval: requireApproval,
        },
      });
    },
    (server) => {
      toast(
        server.status === 'ok'
          ? `${server.name} added with ${server.tools.length} tools`
          : `${server.name} added, but it could not be reached: ${server.last_error}`,
        server.status === 'ok' ? 'success' : 'error',
      );
      setHeaders([]);
      void queryClient.invalidateQueries({ queryKey: QUERY_KEY });
    },
  );
  return (
    <Card title="Add a tool server" description="The server is contacted and its tools listed when you add it.">
      <form onSubmit={form.onSubmit} noValidate className="space-y-3" aria-label="Add a tool server">
        <div className="grid gap-3 sm:grid-cols-2">
          <TextField
            label="Name"
            name="name"
            required
            maxLength={31}
            hint="lower-case letters, digits and _"
            error={form.fieldErrors.name}
          />
          <div>
            <label htmlFor="mcp-transport" className="mb-1 block text-sm font-medium">
              Transport
            </label>
            <select id="mcp-transport" name="transport" className={selectClass} defaultValue="streamable_http">
              <option value="streamable_http">Streamable HTTP</option>
              <option value="sse">SSE</option>
            </select>
          </div>
        </div>
        <TextField
          label="URL"
          name="url"
          type="url"
          required
          placeholder="https://tools.example.com/mcp"
          error={form.fieldErrors.url}
        />
        <fieldset>
          <legend className="mb-1 text-sm font-medium">Headers</legend>
          <p className="mb-2 text-xs text-zinc-600 dark:text-zinc-400">
            Stored encrypted and never shown again (e.g. an Authorization value).
          </p>
          <div className="space-y-2">
            {headers.map((h, i) => (
              <div key={h.key} className="flex gap-2">
                <input
                  aria-label={`Header ${i + 1} name`}
                  className={selectClass}
                  placeholder="Authorization"
                  value={h.name}
                  onChange={(e) =>
                    setHeaders(headers.map((x) => (x.key === h.key ? { ...x, name: e.target.value } : x)))
                  }
                />
                <input
                  aria-label={`Header ${i + 1} value`}
                  type="password"
                  autoComplete="off"
                  className={selectClass}
                  value={h.value}
                  onChange={(e) =>
                    setHeaders(headers.map((x) => (x.key === h.key ? { ...x, value: e.target.value } : x)))
                  }
                />
                <Button size="sm" variant="ghost" onClick={() => setHeaders(headers.filter((x) => x.key !== h.key))}>
                  Remove
                </Button>
              </div>
            ))}
          </div>
          <Button
            size="sm"
            variant="ghost"
            className="mt-2"
            onClick={() => setHeaders([...headers, { key: Date.now(), name: '', value: '' }])}
          >
            Add header
          </Button>
          {form.fieldErrors.headers && (
            <p role="alert" className="mt-1 text-sm text-red-700 dark:text-red-400">
              {form.fieldErrors.headers}
            </p>
          )}
        </fieldset>
        <TextField
          label="Allowed tools (optional)"
          name="allowed_tools"
          hint="comma-separated; empty: all of the server's tools"
          error={form.fieldErrors.allowed_tools}
        />
        <div>
          <label htmlFor="mcp-approval" className="mb-1 block text-sm font-medium">
            Approval
          </label>
          <select
            id="mcp-approval"
            className={selectClass}
            value={policy}
            onChange={(e) => setPolicy(e.target.value as typeof policy)}
          >
            <option value="always">Every call needs a person's approval</option>
            <option value="never">Never ask</option>
            <option value="tools">Only for these tools…</option>
          </select>
          {policy === 'tools' && (
            <TextField className="mt-2" label="Tools that need approval" name="approval_tools" hint="comma-separated" />
          )}
        </div>
        <div className="sm:max-w-xs">
          <FormSubmit label="Add tool server" {...form} />
        </div>
      </form>
    </Card>
  );
}
