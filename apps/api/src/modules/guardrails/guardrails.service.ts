import type {
  GuardrailCatalogItem,
  GuardrailRule,
  GuardrailRules,
  GuardrailStage,
  GuardrailTestResponse,
} from '@agentry/contracts';
import { actorOf, type AuditLog } from '../../platform/audit.js';
import type { Caller } from '../../platform/caller.js';
import type { Database } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import type { Ports, Unsubscribe } from '../../platform/ports/index.js';
import { CATALOG, DEFAULT_RULES, ruleProblems } from './catalog.js';
import { mergeRules } from './merge-rules.js';
import type { GuardrailCheck, GuardrailEngine } from './guardrail-engine.js';
import type { GuardrailsRepo } from './guardrails.repo.js';
import { type GuardrailNotice, GuardrailTripped, RunGuard } from './run-guard.js';

/** What the `input` stage decided about a user's message. */
export interface InputCheck {
  text: string;
  notices: GuardrailNotice[];
  tripped: GuardrailTripped | null;
}

const CHANGED_CHANNEL = 'guardrails:changed';
/** A safety net only: a change reaches every replica through pub/sub at once. */
const CACHE_TTL_MS = 60_000;
const MAX_CACHED_TENANTS = 10_000;

/**
 * A tenant's guardrail rules: read through a per-replica cache (every run reads them, at several
 * stages), written with an audit event, and invalidated on every replica through pub/sub when they
 * change, so a new rule applies to the next run whichever replica serves it.
 */
export class GuardrailsService {
  private readonly cache = new Map<string, { rules: GuardrailRule[]; until: number }>();
  private unsubscribe: Unsubscribe | undefined;

  constructor(
    private readonly deps: {
      database: Database;
      repo: GuardrailsRepo;
      engine: GuardrailEngine;
      ports: Ports;
      audit: AuditLog;
    },
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.deps.ports.pubsub.subscribe(CHANGED_CHANNEL, (tenantId) =>
      this.cache.delete(tenantId),
    );
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
  }

  catalog(): GuardrailCatalogItem[] {
    return CATALOG.map((entry) => ({
      ...entry,
      available: entry.key === 'moderation' ? this.deps.engine.moderationAvailable : true,
    }));
  }

  /** The rules a run of this tenant applies. */
  async rulesOf(tenantId: string): Promise<GuardrailRule[]> {
    const hit = this.cache.get(tenantId);
    if (hit && hit.until > Date.now()) return hit.rules;
    const rules = (await this.deps.repo.find(this.deps.database.db, tenantId)) ?? [...DEFAULT_RULES];
    if (this.cache.size >= MAX_CACHED_TENANTS) this.cache.clear();
    this.cache.set(tenantId, { rules, until: Date.now() + CACHE_TTL_MS });
    return rules;
  }

  async get(caller: Caller): Promise<GuardrailRules> {
    return { rules: await this.rulesOf(caller.tenantId) };
  }

  async put(caller: Caller, body: GuardrailRules): Promise<GuardrailRules> {
    const problems = ruleProblems(body.rules);
    if (problems.length > 0)
      throw new AppError('validation_failed', 'Some rules are not possible.', { errors: problems });
    const rules = body.rules.map((rule) => ({ ...rule, config: rule.config ?? {} }));
    await this.deps.database.db.transaction(async (tx) => {
      await this.deps.repo.save(tx, { tenantId: caller.tenantId, rules, updatedBy: caller.userId, now: new Date() });
      await this.deps.audit.record(tx, {
        tenantId: caller.tenantId,
        action: 'guardrails.updated',
        actor: actorOf(caller),
        target: { type: 'tenant', id: caller.tenantId },
        metadata: { rules: rules.map((r) => ({ key: r.key, stages: r.stages, action: r.action })) },
      });
    });
    this.cache.delete(caller.tenantId);
    await this.deps.ports.pubsub.publish(CHANGED_CHANNEL, caller.tenantId);
    return { rules };
  }

  /** One stage's check with the tenant's rules: what runs call. */
  async check(tenantId: string, stage: GuardrailStage, text: string): Promise<GuardrailCheck> {
    return this.deps.engine.check(await this.rulesOf(tenantId), stage, text);
  }

  /**
   * The guardrails of one run, with the rules as they are when it starts (a change applies from the
   * next run on); `report` writes each `guardrail.applied` event.
   */
  async forRun(
    tenantId: string,
    report: (notice: GuardrailNotice) => Promise<void>,
    agentRules: readonly GuardrailRule[] = [],
  ): Promise<RunGuard> {
    const rules = mergeRules(await this.rulesOf(tenantId), agentRules);
    return new RunGuard((current, stage, text) => this.deps.engine.check(current, stage, text), rules, report);
  }

  /**
   * The `input` stage, before the user's message is stored or any run exists: the text to store and
   * send (masked), the notices the run will report first, and whether it must end at once.
   */
  async checkInput(tenantId: string, text: string, agentRules: readonly GuardrailRule[] = []): Promise<InputCheck> {
    const result = await this.deps.engine.check(mergeRules(await this.rulesOf(tenantId), agentRules), 'input', text);
    return {
      // A blocked message comes back with what tripped masked: that is what the transcript keeps.
      text: result.text,
      notices: result.applied
        .filter((a) => a.action !== 'block')
        .map(({ guardrail, action }) => ({ guardrail, stage: 'input' as const, action })),
      tripped: result.blocked ? new GuardrailTripped(result.blocked.guardrail, 'input') : null,
    };
  }

  /** The settings page's test box: what the tenant's rules would do to a sample text at a stage. */
  async test(caller: Caller, body: { text: string; stage: GuardrailStage }): Promise<GuardrailTestResponse> {
    const result = await this.check(caller.tenantId, body.stage, body.text);
    return {
      stage: body.stage,
      text: result.text,
      blocked: result.blocked !== null,
      applied: result.applied.map((a) => ({
        guardrail: a.guardrail,
        action: a.action,
        findings: a.findings.map(({ kind, start, end }) => ({ kind, start, end })),
      })),
    };
  }
}
