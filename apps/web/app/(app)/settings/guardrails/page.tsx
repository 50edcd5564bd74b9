import type { Metadata } from 'next';
import { GuardrailsPage } from '@/components/settings/guardrails-page';

export const metadata: Metadata = { title: 'Guardrails' };

export default function Guardrails() {
  return <GuardrailsPage />;
}
