import type { Metadata } from 'next';
import { ApprovalsList } from '@/components/approvals/approvals-list';

export const metadata: Metadata = { title: 'Approvals' };

export default function ApprovalsPage() {
  return <ApprovalsList />;
}
