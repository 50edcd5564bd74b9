import type { FastifyInstance } from 'fastify';
import type { PlatformContext } from '../../platform/context.js';
import { createInjectionJudge } from './detectors/injection-judge.js';
import { createModeration } from './detectors/moderation.js';
import { GuardrailEngine } from './guardrail-engine.js';
import { GuardrailsRepo } from './guardrails.repo.js';
import { guardrailsRoutes } from './guardrails.routes.js';
import { GuardrailsService } from './guardrails.service.js';

/**
 * Guardrails (API.md "Guardrails"): detectors for personal data, secrets, prompt injection, blocked
 * terms and moderation; each tenant's rules for the four stages of a run; the engine runs call.
 */
export async function createGuardrailsModule(ctx: PlatformContext) {
  const { models } = ctx.config;
  const moderation = createModeration({ apiKey: models.openaiApiKey, baseUrl: models.openaiBaseUrl });
  const judge = ctx.config.guardrails.injectionJudge;
  // Config refuses `model` without the OpenAI provider, so the key or base URL is there.
  const injectionJudge =
    judge.mode === 'model'
      ? createInjectionJudge(
          {
            apiKey: models.openaiApiKey,
            baseUrl: models.openaiBaseUrl,
            api: models.openaiApi,
            model: judge.model,
            timeoutMs: judge.timeoutMs,
            onError: judge.onError,
          },
          ctx.metrics,
        )
      : undefined;
  const engine = new GuardrailEngine({ moderation, metrics: ctx.metrics, injectionJudge });
  const service = new GuardrailsService({
    database: ctx.database,
    repo: new GuardrailsRepo(),
    engine,
    ports: ctx.ports,
    audit: ctx.audit,
  });
  await service.start();
  ctx.onShutdown(() => service.stop());
  return {
    service,
    async register(app: FastifyInstance) {
      await app.register(guardrailsRoutes(service));
    },
  };
}

export type GuardrailsModule = Awaited<ReturnType<typeof createGuardrailsModule>>;
