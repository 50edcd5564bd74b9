import type { Metadata } from 'next';
import { ToolServersPage } from '@/components/settings/tool-servers-page';

export const metadata: Metadata = { title: 'Tool servers' };

export default function ToolServers() {
  return <ToolServersPage />;
}
