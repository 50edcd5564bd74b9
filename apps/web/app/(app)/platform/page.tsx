import type { Metadata } from 'next';
import { PlatformTenants } from '@/components/platform/platform-tenants';

export const metadata: Metadata = { title: 'Platform' };

export default function PlatformPage() {
  return <PlatformTenants />;
}
