import type { z } from 'zod';
import type { Scope } from './scopes.js';
import { IdParam } from './common.js';
import {
  SsoCallbackQuery,
  SsoConfigRequest,
  SsoConfigResponse,
  SsoExchangeRequest,
  SsoLookupQuery,
  SsoLookupResponse,
  SsoStartParams,
  SsoStartQuery,
} from './sso.js';
import { AuditEventPage, AuditEventQuery, AuditExportQuery } from './audit.js';
import { GuardrailCatalog, GuardrailRules, GuardrailTestRequest, GuardrailTestResponse } from './guardrails.js';
import { FileList, FileListQuery, FileObject, KnowledgeSearchRequest, KnowledgeSearchResponse } from './files.js';
import {
  DeprovisionTenantRequest,
  DeprovisionTenantResponse,
  PlatformTenantDetail,
  PlatformTenantList,
  PlatformTenantParam,
  PlatformTenantQuery,
  ReactivateTenantResponse,
  SuspendTenantRequest,
  SuspendTenantResponse,
} from './platform.js';
import {
  AccountExport,
  ChangeEmailRequest,
  ChangePasswordRequest,
  DeleteAccountRequest,
  DisableMfaRequest,
  ForgotPasswordRequest,
  LogoutRequest,
  MeResponse,
  MfaChallengeRequest,
  MfaCodeRequest,
  MfaEnrollResponse,
  MfaRequiredResponse,
  RecoveryCodesResponse,
  RefreshRequest,
  RefreshResponse,
  RegisterRequest,
  RegisterResponse,
  ResetPasswordRequest,
  ServiceAccountIssueResponse,
  SessionList,
  SessionResponse,
  TokenBody,
  TokenRequest,
  UpdateProfileRequest,
} from './auth.js';
import {
  AcceptInvitationRequest,
  AcceptInvitationResponse,
  CreateServiceAccountRequest,
  CreateServiceAccountResponse,
  InvitationRequest,
  InvitationResponse,
  MemberList,
  MemberRoleRequest,
  MemberRoleResponse,
  ServiceAccountList,
  TenantResponse,
  UserIdParam,
  InvitationIdParam,
  PendingInvitationList,
} from './tenants.js';
import {
  AgentDetail,
  AgentList,
  AgentNameParam,
  ApprovalDecisionRequest,
  ApprovalDecisionResponse,
  ApprovalList,
  ApprovalListQuery,
  ApprovalParams,
  ChatPausedResponse,
  ChatRequest,
  ChatResponse,
  ConversationDetail,
  ConversationList,
  ConversationListQuery,
  ConversationSummary,
  RenameConversationRequest,
  RunEventsQuery,
  RunIdParam,
  ToolList,
  ToolListQuery,
} from './chat.js';
import {
  CancelSubscriptionRequest,
  CheckoutSessionRequest,
  CreateSubscriptionRequest,
  InvoiceList,
  PaymentMethodDefaultResponse,
  PaymentMethodIdParam,
  PaymentMethodList,
  PlanList,
  PortalSessionRequest,
  SetupIntentResponse,
  Subscription,
  TenantIdParam,
  UpcomingInvoice,
  UpdateSubscriptionRequest,
  UrlResponse,
  UsageAccepted,
  UsageRequest,
  UsageResponse,
} from './billing.js';
import {
  ConversationExportQuery,
  Feedback,
  FeedbackExportQuery,
  FeedbackRequest,
  BranchRequest,
  MessageIdParam,
  MessagePage,
  MessagePageQuery,
  PublicShareParam,
  Share,
  SharedConversation,
  ShareIdParam,
  ShareList,
} from './conversations.js';
import { CreateMcpServerRequest, McpServer, McpServerList, UpdateMcpServerRequest } from './mcp.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** What one API route takes and answers: the same schemas the server validates with. */
export interface RouteSpec {
  /** `public`, `access` (any signed-in caller) or the scope the caller needs. */
  auth: 'public' | 'access' | Scope;
  /** The success status; 200 when absent. */
  status?: 200 | 201 | 202 | 204 | 302;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** The success body; absent when the answer is empty (204, most 202s) or a stream. */
  response?: z.ZodType;
  /**
   * Another success answer the route may give instead, by status (the login's 202 when a second
   * factor is needed). The web client reads it as a union with `response`.
   */
  alternative?: { status: 202; response: z.ZodType };
  /** The answer is `text/event-stream`, read as a stream rather than parsed as JSON. */
  stream?: true;
  /** The answer is a file to save (an export): browsers fetch it by link, not as JSON. */
  download?: true;
}

/**
 * Every `/api/v1` route of docs/design/API.md, keyed `'<METHOD> <path>'` with Fastify's `:param`
 * syntax. The web client derives each call's path, parameters, body and answer from this table,
 * and `apps/api/src/app.routes-table.test.ts` fails when a registered route differs from it (path,
 * method, auth or any schema), so a path and its types cannot drift. Adding a route: README.md.
 */
export const API_ROUTES = {
  // ── auth ─────────────────────────────────────────────────────────────────────────────────
  'POST /api/v1/auth/register': { auth: 'public', status: 201, body: RegisterRequest, response: RegisterResponse },
  'POST /api/v1/auth/token': {
    auth: 'public',
    body: TokenRequest,
    response: SessionResponse,
    alternative: { status: 202, response: MfaRequiredResponse },
  },
  'POST /api/v1/auth/refresh': { auth: 'public', body: RefreshRequest, response: RefreshResponse },
  'POST /api/v1/auth/logout': { auth: 'access', status: 204, body: LogoutRequest.nullish() },
  'POST /api/v1/auth/logout/all': { auth: 'access', status: 204 },
  'GET /api/v1/auth/me': { auth: 'access', response: MeResponse },
  'PATCH /api/v1/auth/me': { auth: 'access', body: UpdateProfileRequest, response: MeResponse },
  'GET /api/v1/auth/sessions': { auth: 'access', response: SessionList },
  'DELETE /api/v1/auth/sessions/:id': { auth: 'access', status: 204, params: IdParam },
  'POST /api/v1/auth/email/verify/send': { auth: 'access', status: 202 },
  'POST /api/v1/auth/email/verify': { auth: 'public', status: 204, body: TokenBody },
  'POST /api/v1/auth/password/forgot': { auth: 'public', status: 202, body: ForgotPasswordRequest },
  'POST /api/v1/auth/password/reset': { auth: 'public', status: 204, body: ResetPasswordRequest },
  'POST /api/v1/auth/password/change': { auth: 'access', status: 204, body: ChangePasswordRequest },
  'POST /api/v1/auth/mfa/totp/enroll': { auth: 'access', response: MfaEnrollResponse },
  'POST /api/v1/auth/mfa/totp/verify': { auth: 'access', body: MfaCodeRequest, response: RecoveryCodesResponse },
  'POST /api/v1/auth/mfa/challenge': { auth: 'public', body: MfaChallengeRequest, response: SessionResponse },
  'POST /api/v1/auth/mfa/recovery-codes': { auth: 'access', body: MfaCodeRequest, response: RecoveryCodesResponse },
  'DELETE /api/v1/auth/mfa': { auth: 'access', status: 204, body: DisableMfaRequest },
  'GET /api/v1/auth/sso/lookup': { auth: 'public', query: SsoLookupQuery, response: SsoLookupResponse },
  'GET /api/v1/auth/sso/:tenant_slug/start': {
    auth: 'public',
    status: 302,
    params: SsoStartParams,
    query: SsoStartQuery,
  },
  'GET /api/v1/auth/sso/callback': { auth: 'public', status: 302, query: SsoCallbackQuery },
  'POST /api/v1/auth/sso/exchange': { auth: 'public', body: SsoExchangeRequest, response: SessionResponse },
  'PUT /api/v1/tenants/current/sso': { auth: 'tenant:manage', body: SsoConfigRequest, response: SsoConfigResponse },
  'GET /api/v1/tenants/current/sso': { auth: 'tenant:manage', response: SsoConfigResponse },
  'DELETE /api/v1/tenants/current/sso': { auth: 'tenant:manage', status: 204 },
  'POST /api/v1/auth/email/change': { auth: 'access', status: 202, body: ChangeEmailRequest },
  'POST /api/v1/auth/email/change/confirm': { auth: 'public', status: 204, body: TokenBody },
  'GET /api/v1/auth/me/export': { auth: 'access', response: AccountExport, download: true },
  'DELETE /api/v1/auth/me': { auth: 'access', status: 204, body: DeleteAccountRequest },
  // NOTE: the body is an operator-signed envelope (ServiceAccountIssueRequest) that the handler
  // parses itself after checking the signature over the raw bytes, so the route declares none.
  'POST /api/v1/auth/service-accounts/issue': { auth: 'public', status: 201, response: ServiceAccountIssueResponse },

  // ── tenants, members, service accounts ───────────────────────────────────────────────────
  'GET /api/v1/tenants/current': { auth: 'access', response: TenantResponse },
  'GET /api/v1/tenants/current/members': { auth: 'members:manage', response: MemberList },
  'POST /api/v1/tenants/current/invitations': {
    auth: 'members:manage',
    status: 201,
    body: InvitationRequest,
    response: InvitationResponse,
  },
  'GET /api/v1/tenants/current/invitations': { auth: 'members:manage', response: PendingInvitationList },
  'DELETE /api/v1/tenants/current/invitations/:invitation_id': {
    auth: 'members:manage',
    status: 204,
    params: InvitationIdParam,
  },
  'POST /api/v1/tenants/invitations/accept': {
    auth: 'access',
    body: AcceptInvitationRequest,
    response: AcceptInvitationResponse,
  },
  'PATCH /api/v1/tenants/current/members/:user_id': {
    auth: 'members:manage',
    params: UserIdParam,
    body: MemberRoleRequest,
    response: MemberRoleResponse,
  },
  'DELETE /api/v1/tenants/current/members/:user_id': { auth: 'members:manage', status: 204, params: UserIdParam },
  'GET /api/v1/service-accounts': { auth: 'service_accounts:manage', response: ServiceAccountList },
  'POST /api/v1/service-accounts': {
    auth: 'service_accounts:manage',
    status: 201,
    body: CreateServiceAccountRequest,
    response: CreateServiceAccountResponse,
  },
  'DELETE /api/v1/service-accounts/:id': { auth: 'service_accounts:manage', status: 204, params: IdParam },

  // ── chat ─────────────────────────────────────────────────────────────────────────────────
  'POST /api/v1/chat': {
    auth: 'conversations:write',
    body: ChatRequest,
    response: ChatResponse,
    alternative: { status: 202, response: ChatPausedResponse },
  },
  'POST /api/v1/chat/stream': { auth: 'conversations:write', body: ChatRequest, stream: true },
  'GET /api/v1/chat/runs/:run_id/events': {
    auth: 'conversations:read',
    params: RunIdParam,
    query: RunEventsQuery,
    stream: true,
  },
  'POST /api/v1/chat/runs/:run_id/cancel': { auth: 'conversations:write', status: 202, params: RunIdParam },
  'GET /api/v1/chat/approvals': { auth: 'conversations:read', query: ApprovalListQuery, response: ApprovalList },
  'POST /api/v1/chat/runs/:run_id/approvals/:approval_id': {
    auth: 'conversations:write',
    status: 202,
    params: ApprovalParams,
    body: ApprovalDecisionRequest,
    response: ApprovalDecisionResponse,
  },

  // ── conversations, agents, tools ─────────────────────────────────────────────────────────
  'GET /api/v1/conversations': { auth: 'conversations:read', query: ConversationListQuery, response: ConversationList },
  'GET /api/v1/conversations/:id': { auth: 'conversations:read', params: IdParam, response: ConversationDetail },
  'PATCH /api/v1/conversations/:id': {
    auth: 'conversations:write',
    params: IdParam,
    body: RenameConversationRequest,
    response: ConversationSummary,
  },
  'DELETE /api/v1/conversations/:id': { auth: 'conversations:delete', status: 204, params: IdParam },
  'GET /api/v1/conversations/:id/messages': {
    auth: 'conversations:read',
    params: IdParam,
    query: MessagePageQuery,
    response: MessagePage,
  },
  'POST /api/v1/conversations/:id/branch': {
    auth: 'conversations:write',
    params: IdParam,
    body: BranchRequest,
    response: ConversationDetail,
  },
  'GET /api/v1/conversations/:id/export': {
    auth: 'conversations:read',
    params: IdParam,
    query: ConversationExportQuery,
    download: true,
  },
  'POST /api/v1/conversations/:id/shares': {
    auth: 'conversations:write',
    status: 201,
    params: IdParam,
    response: Share,
  },
  'GET /api/v1/conversations/:id/shares': { auth: 'conversations:read', params: IdParam, response: ShareList },
  'DELETE /api/v1/conversations/:id/shares/:share_id': {
    auth: 'conversations:write',
    status: 204,
    params: ShareIdParam,
  },
  'GET /api/v1/shared/:share_id': { auth: 'public', params: PublicShareParam, response: SharedConversation },
  'PUT /api/v1/conversations/:id/messages/:message_id/feedback': {
    auth: 'conversations:write',
    params: MessageIdParam,
    body: FeedbackRequest,
    response: Feedback,
  },
  'DELETE /api/v1/conversations/:id/messages/:message_id/feedback': {
    auth: 'conversations:write',
    status: 204,
    params: MessageIdParam,
  },
  'GET /api/v1/feedback/export': { auth: 'audit:read', query: FeedbackExportQuery, download: true },
  'GET /api/v1/mcp-servers': { auth: 'tools:read', response: McpServerList },
  'POST /api/v1/mcp-servers': { auth: 'tools:manage', status: 201, body: CreateMcpServerRequest, response: McpServer },
  'GET /api/v1/mcp-servers/:id': { auth: 'tools:read', params: IdParam, response: McpServer },
  'PATCH /api/v1/mcp-servers/:id': {
    auth: 'tools:manage',
    params: IdParam,
    body: UpdateMcpServerRequest,
    response: McpServer,
  },
  'DELETE /api/v1/mcp-servers/:id': { auth: 'tools:manage', status: 204, params: IdParam },
  'POST /api/v1/mcp-servers/:id/refresh': { auth: 'tools:manage', params: IdParam, response: McpServer },

  // ── audit ────────────────────────────────────────────────────────────────────────────────
  'GET /api/v1/audit-events': { auth: 'audit:read', query: AuditEventQuery, response: AuditEventPage },
  'GET /api/v1/audit-events/export': { auth: 'audit:read', query: AuditExportQuery, download: true },

  // ── files and knowledge ──────────────────────────────────────────────────────────────────
  'POST /api/v1/files': { auth: 'files:write', status: 201, response: FileObject },
  'GET /api/v1/files': { auth: 'files:read', query: FileListQuery, response: FileList },
  'GET /api/v1/files/:id': { auth: 'files:read', params: IdParam, response: FileObject },
  'GET /api/v1/files/:id/content': { auth: 'files:read', params: IdParam, download: true },
  'DELETE /api/v1/files/:id': { auth: 'files:write', status: 204, params: IdParam },
  'POST /api/v1/knowledge/search': {
    auth: 'files:read',
    body: KnowledgeSearchRequest,
    response: KnowledgeSearchResponse,
  },

  // ── platform operators ───────────────────────────────────────────────────────────────────
  'GET /api/v1/platform/tenants': {
    auth: 'platform:operator',
    query: PlatformTenantQuery,
    response: PlatformTenantList,
  },
  'GET /api/v1/platform/tenants/:id': {
    auth: 'platform:operator',
    params: PlatformTenantParam,
    response: PlatformTenantDetail,
  },
  'POST /api/v1/platform/tenants/:id/suspend': {
    auth: 'platform:operator',
    params: PlatformTenantParam,
    body: SuspendTenantRequest,
    response: SuspendTenantResponse,
  },
  'POST /api/v1/platform/tenants/:id/deprovision': {
    auth: 'platform:operator',
    status: 202,
    params: PlatformTenantParam,
    body: DeprovisionTenantRequest,
    response: DeprovisionTenantResponse,
  },
  'POST /api/v1/platform/tenants/:id/reactivate': {
    auth: 'platform:operator',
    params: PlatformTenantParam,
    response: ReactivateTenantResponse,
  },
  'GET /api/v1/agents': { auth: 'tools:read', response: AgentList },
  'GET /api/v1/agents/:name': { auth: 'tools:read', params: AgentNameParam, response: AgentDetail },
  'GET /api/v1/tools': { auth: 'tools:read', query: ToolListQuery, response: ToolList },

  // ── guardrails ───────────────────────────────────────────────────────────────────────────
  'GET /api/v1/guardrails': { auth: 'tools:read', response: GuardrailCatalog },
  'POST /api/v1/guardrails/test': { auth: 'tools:read', body: GuardrailTestRequest, response: GuardrailTestResponse },
  'GET /api/v1/tenants/current/guardrails': { auth: 'tools:read', response: GuardrailRules },
  'PUT /api/v1/tenants/current/guardrails': { auth: 'tenant:manage', body: GuardrailRules, response: GuardrailRules },

  // ── billing ──────────────────────────────────────────────────────────────────────────────
  'GET /api/v1/billing/plans': { auth: 'public', response: PlanList },
  'GET /api/v1/billing/tenants/:tenant_id/subscription': {
    auth: 'billing:read',
    params: TenantIdParam,
    response: Subscription,
  },
  'POST /api/v1/billing/tenants/:tenant_id/subscription': {
    auth: 'billing:manage',
    status: 201,
    params: TenantIdParam,
    body: CreateSubscriptionRequest,
    response: Subscription,
  },
  'PATCH /api/v1/billing/tenants/:tenant_id/subscription': {
    auth: 'billing:manage',
    params: TenantIdParam,
    body: UpdateSubscriptionRequest,
    response: Subscription,
  },
  'DELETE /api/v1/billing/tenants/:tenant_id/subscription/pending-change': {
    auth: 'billing:manage',
    params: TenantIdParam,
    response: Subscription,
  },
  'GET /api/v1/billing/tenants/:tenant_id/invoices/upcoming': {
    auth: 'billing:read',
    params: TenantIdParam,
    response: UpcomingInvoice,
  },
  'GET /api/v1/billing/tenants/:tenant_id/payment-methods': {
    auth: 'billing:read',
    params: TenantIdParam,
    response: PaymentMethodList,
  },
  'POST /api/v1/billing/tenants/:tenant_id/payment-methods/setup-intent': {
    auth: 'billing:manage',
    params: TenantIdParam,
    response: SetupIntentResponse,
  },
  'POST /api/v1/billing/tenants/:tenant_id/payment-methods/:pm_id/default': {
    auth: 'billing:manage',
    params: PaymentMethodIdParam,
    response: PaymentMethodDefaultResponse,
  },
  'DELETE /api/v1/billing/tenants/:tenant_id/payment-methods/:pm_id': {
    auth: 'billing:manage',
    status: 204,
    params: PaymentMethodIdParam,
  },
  'POST /api/v1/billing/tenants/:tenant_id/subscription/cancel': {
    auth: 'billing:manage',
    params: TenantIdParam,
    body: CancelSubscriptionRequest,
    response: Subscription,
  },
  'POST /api/v1/billing/tenants/:tenant_id/checkout-session': {
    auth: 'billing:manage',
    params: TenantIdParam,
    body: CheckoutSessionRequest.optional(),
    response: UrlResponse,
  },
  'POST /api/v1/billing/tenants/:tenant_id/portal-session': {
    auth: 'billing:manage',
    params: TenantIdParam,
    body: PortalSessionRequest.optional(),
    response: UrlResponse,
  },
  'POST /api/v1/billing/tenants/:tenant_id/usage': {
    auth: 'billing:manage',
    status: 202,
    params: TenantIdParam,
    body: UsageRequest,
    response: UsageAccepted,
  },
  'GET /api/v1/billing/tenants/:tenant_id/usage': {
    auth: 'billing:read',
    params: TenantIdParam,
    response: UsageResponse,
  },
  'GET /api/v1/billing/tenants/:tenant_id/invoices': {
    auth: 'billing:read',
    params: TenantIdParam,
    response: InvoiceList,
  },
  'GET /api/v1/billing/stream': { auth: 'billing:read', stream: true },
} as const satisfies Record<`${HttpMethod} /api/v1/${string}`, RouteSpec>;

// ── types derived from the table ─────────────────────────────────────────────────────────────

export type ApiRoutes = typeof API_ROUTES;
export type RouteKey = keyof ApiRoutes;

/** The path template of a route key: `'GET /api/v1/agents/:name'` → `'/api/v1/agents/:name'`. */
export type RoutePathOf<K extends RouteKey> = K extends `${HttpMethod} ${infer P}` ? P : never;

/** `{ name: string }` for `/agents/:name`; `{}` for a path without parameters. */
export type PathParams<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? { [N in Name]: string } & PathParams<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? { [N in Name]: string }
    : // biome-ignore lint/complexity/noBannedTypes: the empty object is the point (no parameters)
      {};

/** The parsed success body (`undefined` for an empty answer). */
export type RouteResponse<K extends RouteKey> = ApiRoutes[K] extends { response: infer S extends z.ZodType }
  ? z.output<S>
  : undefined;

/** What a caller sends as the body (`undefined` when the route takes none). */
export type RouteBody<K extends RouteKey> = ApiRoutes[K] extends { body: infer S extends z.ZodType }
  ? z.input<S>
  : undefined;

/** The query parameters a caller may set, as the server reads them after parsing. */
export type RouteQuery<K extends RouteKey> = ApiRoutes[K] extends { query: infer S extends z.ZodType }
  ? Partial<z.output<S>>
  : never;

/** Route keys whose answer is JSON (or empty) / a `text/event-stream`. */
export type JsonRouteKey = {
  [K in RouteKey]: ApiRoutes[K] extends { stream: true } | { download: true } ? never : K;
}[RouteKey];
export type StreamRouteKey = { [K in RouteKey]: ApiRoutes[K] extends { stream: true } ? K : never }[RouteKey];

/**
 * Fills a path template: `fillPath('/agents/:name', { name: 'triage' })` → `/agents/triage`. Each
 * value is URI-encoded, so a value cannot add path segments; a missing value throws.
 */
export function fillPath(template: string, params: Record<string, string> = {}): string {
  return template.replace(/:([a-z_][a-z0-9_]*)/gi, (_, name: string) => {
    const value = params[name];
    if (value === undefined || value === '') throw new Error(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(value);
  });
}
