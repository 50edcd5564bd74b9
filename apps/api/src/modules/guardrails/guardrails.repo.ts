import type { GuardrailRule } from '@agentry/contracts';
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/client.js';
import { tenantGuardrails } from './guardrails.tables.js';

/** SQL of tenant guardrail rules; `db` first, like every repo. */
export class GuardrailsRepo {
  async find(db: DbOrTx, tenantId: string): Promise<GuardrailRule[] | null> {
    const [row] = await db.select().from(tenantGuardrails).where(eq(tenantGuardrails.tenantId, tenantId));
    return row ? (row.rules as GuardrailRule[]) : null;
  }

  async save(db: DbOrTx, values: { tenantId: string; rules: GuardrailRule[]; updatedBy: string | null; now: Date }) {
    await db
      .insert(tenantGuardrails)
      .values({ tenantId: values.tenantId, rules: values.rules, updatedBy: values.updatedBy, updatedAt: values.now })
      .onConflictDoUpdate({
        target: tenantGuardrails.tenantId,
        set: { rules: values.rules, updatedBy: values.updatedBy, updatedAt: values.now },
      });
  }
}
