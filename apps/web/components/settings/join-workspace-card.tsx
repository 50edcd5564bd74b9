'use client';
import { Card } from '@/components/ui/feedback';
import { AcceptInvitation } from '@/components/invitations/accept-invitation';

/** Where an existing account pastes the code an invitation e-mail carries. */
export function JoinWorkspaceCard() {
  return (
    <Card
      title="Join a workspace"
      description="Invited to another workspace? Paste the code or link from the invitation e-mail."
    >
      <AcceptInvitation />
    </Card>
  );
}
