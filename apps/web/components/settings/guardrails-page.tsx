'use client';
import { useEffect, useState } from 'react';
import Link from 'next/link';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  GUARDRAIL_STAGES,
  type GuardrailAction,
  type GuardrailCatalogItem,
  type GuardrailRule,
  type GuardrailStage,
  type GuardrailTestResponse,
} from '@agentry/contracts';
import { api } from '@/lib/client/api';
import { describeError } from '@/lib/client/api-error';
import { hasScope, useMe } from '@/lib/client/queries';
import { Alert, Card, SkeletonList } from '@/components/ui/feedback';
import { Button } from '@/components/ui/button';
import { useToast } from '@/components/ui/toaster';

const STAGE_LABELS: Record<GuardrailStage, string> = {
  input: 'User message',
  output: 'Answer',
  tool_input: 'Tool input',
  tool_output: 'Tool output',
};
const ACTION_LABELS: Record<GuardrailAction, string> = { block: 'Block', mask: 'Mask', warn: 'Warn' };

/** A rule being edited: `enabled` false keeps its settings on the page but leaves it out of the saved list. */
type Draft = GuardrailRule & { enabled: boolean };

const field = 'rounded-lg border border-zinc-300 bg-white px-2 py-1.5 text-sm dark:border-zinc-700 dark:bg-zinc-900';

/** Settings → Guardrails: each guardrail's stages and action, and a test box that shows what a sample would trigger. */
export function GuardrailsPage() {
  const me = useMe();
  const toast = useToast();
  const queryClient = useQueryClient();
  const canEdit = hasScope(me.data, 'tenant:manage');
  const catalog = useQuery({
    queryKey: ['guardrails-catalog'],
    queryFn: ({ signal }) => api.get('/guardrails', { signal }),
  });
  const rules = useQuery({
    queryKey: ['guardrails-rules'],
    queryFn: ({ signal }) => api.get('/tenants/current/guardrails', { signal }),
  });
  const [drafts, setDrafts] = useState<Draft[] | null>(null);

  useEffect(() => {
    if (!catalog.data || !rules.data) return;
    setDrafts(
      catalog.data.items.map((item) => {
        const rule = rules.data.rules.find((r) => r.key === item.key);
        return rule
          ? { ...rule, enabled: true }
          : {
              key: item.key,
              stages: ['input'],
              action: item.actions.includes('mask') ? 'mask' : 'warn',
              config: item.key === 'blocked_terms' ? { terms: [] } : {},
              enabled: false,
            };
      }),
    );
  }, [catalog.data, rules.data]);

  const save = useMutation({
    mutationFn: (list: Draft[]) =>
      api.put('/tenants/current/guardrails', {
        body: { rules: list.filter((d) => d.enabled).map(({ enabled: _enabled, ...rule }) => rule) },
      }),
    onSuccess: (saved) => {
      queryClient.setQueryData(['guardrails-rules'], saved);
      toast('Guardrails saved', 'success');
    },
    onError: (error) => toast(describeError(error), 'error'),
  });

  const update = (key: string, change: Partial<Draft>) =>
    setDrafts((list) => list?.map((d) => (d.key === key ? { ...d, ...change } : d)) ?? null);

  return (
    <div className="mx-auto max-w-4xl space-y-6 p-4 sm:p-6">
      <header>
        <Link href="/settings" className="text-sm text-brand-700 hover:underline dark:text-brand-100">
          ← Settings
        </Link>
        <h1 className="mt-1 text-2xl font-semibold">Guardrails</h1>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          Checks on every stage of a run: what people send, what tools receive and return, and what the agent answers.
          Masking replaces what was found with a placeholder such as [EMAIL] before the model or a tool sees it.
        </p>
      </header>
      {!canEdit && !me.isPending && (
        <Alert tone="info" title="Read only">
          Only the workspace owner can change guardrails.
        </Alert>
      )}
      <Card title="Rules">
        {!drafts || !catalog.data ? (
          <SkeletonList rows={5} label="Loading guardrails" />
        ) : (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              save.mutate(drafts);
            }}
            className="space-y-4"
          >
            <ul className="divide-y divide-zinc-200 dark:divide-zinc-800">
              {drafts.map((draft) => {
                const item = catalog.data.items.find((i) => i.key === draft.key) as GuardrailCatalogItem;
                return (
                  <RuleRow
                    key={draft.key}
                    item={item}
                    draft={draft}
                    disabled={!canEdit || !item.available}
                    onChange={(change) => update(draft.key, change)}
                  />
                );
              })}
            </ul>
            {canEdit && (
              <Button type="submit" loading={save.isPending}>
                Save guardrails
              </Button>
            )}
          </form>
        )}
      </Card>
      <TestBox />
    </div>
  );
}

function RuleRow({
  item,
  draft,
  disabled,
  onChange,
}: {
  item: GuardrailCatalogItem;
  draft: Draft;
  disabled: boolean;
  onChange: (change: Partial<Draft>) => void;
}) {
  const terms = (draft.config.terms as string[] | undefined) ?? [];
  return (
    <li className="py-4" data-guardrail={item.key}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <label className="flex items-start gap-2">
          <input
            type="checkbox"
            className="mt-1"
            checked={draft.enabled}
            disabled={disabled}
            onChange={(e) => onChange({ enabled: e.target.checked })}
            aria-label={`${item.display_name} on`}
          />
          <span>
            <span className="font-medium">{item.display_name}</span>
            <span className="block text-sm text-zinc-600 dark:text-zinc-400">{item.description}</span>
            {!item.available && (
              <span className="block text-sm text-amber-700 dark:text-amber-300">
                Needs a model provider key (OPENAI_API_KEY).
              </span>
            )}
          </span>
        </label>
        <select
          aria-label={`${item.display_name} action`}
          className={field}
          value={draft.action}
          disabled={disabled || !draft.enabled}
          onChange={(e) => onChange({ action: e.target.value as GuardrailAction })}
        >
          {item.actions.map((action) => (
            <option key={action} value={action}>
              {ACTION_LABELS[action]}
            </option>
          ))}
        </select>
      </div>
      <fieldset className="mt-2 flex flex-wrap gap-4 pl-6 text-sm" disabled={disabled || !draft.enabled}>
        <legend className="sr-only">{item.display_name} stages</legend>
        {item.stages.map((stage) => (
          <label key={stage} className="flex items-center gap-1.5">
            <input
              type="checkbox"
              checked={draft.stages.includes(stage)}
              onChange={(e) =>
                onChange({
                  stages: e.target.checked
                    ? GUARDRAIL_STAGES.filter((s) => s === stage || draft.stages.includes(s))
                    : draft.stages.filter((s) => s !== stage),
                })
              }
            />
            {STAGE_LABELS[stage]}
          </label>
        ))}
      </fieldset>
      {item.key === 'blocked_terms' && (
        <label className="mt-2 block pl-6 text-sm">
          <span className="text-zinc-600 dark:text-zinc-400">Terms, one per line</span>
          <textarea
            className={`${field} mt-1 block w-full`}
            rows={3}
            disabled={disabled || !draft.enabled}
            value={terms.join('\n')}
            onChange={(e) => onChange({ config: { terms: e.target.value.split('\n') } })}
            onBlur={() => onChange({ config: { terms: terms.map((t) => t.trim()).filter(Boolean) } })}
          />
        </label>
      )}
    </li>
  );
}

/** Runs the saved rules over a sample text: what would be blocked, masked or reported. */
function TestBox() {
  const [text, setText] = useState('');
  const [stage, setStage] = useState<GuardrailStage>('input');
  const test = useMutation({
    mutationFn: () => api.post('/guardrails/test', { body: { text, stage } }),
  });
  const result: GuardrailTestResponse | undefined = test.data;
  return (
    <Card title="Try it" description="Paste a sample to see what the saved rules would do with it. Nothing is stored.">
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim()) test.mutate();
        }}
      >
        <textarea
          aria-label="Sample text"
          className={`${field} block w-full`}
          rows={4}
          value={text}
          maxLength={32000}
          onChange={(e) => setText(e.target.value)}
          placeholder="My card is 4111 1111 1111 1111 and my key is sk_live_…"
        />
        <div className="flex items-center gap-2">
          <select
            aria-label="Stage"
            className={field}
            value={stage}
            onChange={(e) => setStage(e.target.value as GuardrailStage)}
          >
            {GUARDRAIL_STAGES.map((s) => (
              <option key={s} value={s}>
                {STAGE_LABELS[s]}
              </option>
            ))}
          </select>
          <Button type="submit" variant="secondary" loading={test.isPending}>
            Test
          </Button>
        </div>
      </form>
      {test.isError && (
        <div className="mt-3">
          <Alert tone="error" title="Test failed">
            {describeError(test.error)}
          </Alert>
        </div>
      )}
      {result && (
        <div className="mt-4 space-y-2 text-sm" data-testid="guardrail-test-result">
          {result.blocked ? (
            <Alert tone="error" title="Blocked">
              A run would stop here: {result.applied.at(-1)?.guardrail.replace('_', ' ')} at{' '}
              {STAGE_LABELS[result.stage]}.
            </Alert>
          ) : result.applied.length === 0 ? (
            <p>Nothing triggered.</p>
          ) : null}
          {result.applied.length > 0 && (
            <ul className="list-disc pl-5">
              {result.applied.map((a) => (
                <li key={a.guardrail}>
                  <span className="font-medium">{a.guardrail.replace('_', ' ')}</span> — {ACTION_LABELS[a.action]}:{' '}
                  {[...new Set(a.findings.map((f) => f.kind))].join(', ')}
                </li>
              ))}
            </ul>
          )}
          {!result.blocked && result.applied.some((a) => a.action === 'mask') && (
            <div>
              <p className="text-zinc-600 dark:text-zinc-400">What the model would see:</p>
              <pre className="mt-1 whitespace-pre-wrap rounded-lg bg-zinc-100 p-3 dark:bg-zinc-800">{result.text}</pre>
            </div>
          )}
        </div>
      )}
    </Card>
  );
}
