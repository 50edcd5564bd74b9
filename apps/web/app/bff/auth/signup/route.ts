import type { NextRequest } from 'next/server';
import { exchangeForSession } from '@/lib/server/auth-exchange';

export const dynamic = 'force-dynamic';

export function POST(request: NextRequest) {
  return exchangeForSession(request, '/api/v1/auth/register');
}
