import type { Metadata } from 'next';
import { AgentsCatalog } from '@/components/agents/agents-catalog';

export const metadata: Metadata = { title: 'Agents and tools' };

export default function AgentsPage() {
  return <AgentsCatalog />;
}
