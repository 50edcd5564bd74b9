import type { Metadata } from 'next';
import { PlatformTenant } from '@/components/platform/platform-tenant';

export const metadata: Metadata = { title: 'Tenant · Platform' };

export default async function PlatformTenantPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <PlatformTenant key={id} id={id} />;
}
