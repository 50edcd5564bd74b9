'use client';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import QRCode from 'qrcode';
import { useQueryClient } from '@tanstack/react-query';
import type { MeResponse, MfaEnrollResponse } from '@agentry/contracts';
import { api } from '@/lib/client/api';
import { ApiError, describeError } from '@/lib/client/api-error';
import { text, useApiForm } from '@/lib/hooks/use-api-form';
import { keys } from '@/lib/client/queries';
import { Alert, Card, Skeleton } from '@/components/ui/feedback';
import { Button } from '@/components/ui/button';
import { TextField } from '@/components/ui/text-field';
import { FormSubmit } from '@/components/auth/form-footer';
import { useToast } from '@/components/ui/toaster';
import { AppCodeField, describeReauthError, SecondFactorField, secondFactorOf } from './second-factor-field';

const codeOf = (data: FormData) => text(data, 'code').replace(/\s/g, '');

/**
 * Settings → Security → Two-step verification (TOTP): enrol (a QR code of the otpauth:// URL drawn
 * in the browser by the `qrcode` package — never fetched from a third party — plus the secret and the
 * URL as text), confirm with
 * a first code, the recovery codes shown once, new recovery codes, and turning it off (password and a
 * code, or a recovery code).
 */
export function MfaCard({ me, loading }: { me: MeResponse | undefined; loading: boolean }) {
  const queryClient = useQueryClient();
  const [enrollment, setEnrollment] = useState<MfaEnrollResponse | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const refreshMe = () => queryClient.invalidateQueries({ queryKey: keys.me });
  const enabled = me?.user.mfa_enabled ?? false;

  let body: ReactNode;
  if (loading || !me) body = <Skeleton className="h-10 w-64" />;
  else if (codes)
    body = (
      <RecoveryCodes
        codes={codes}
        onDone={() => {
          setCodes(null);
          void refreshMe();
        }}
      />
    );
  else if (enrollment)
    body = (
      <EnrollForm
        enrollment={enrollment}
        onVerified={(recovery) => {
          setEnrollment(null);
          setCodes(recovery);
          void refreshMe();
        }}
        onCancel={() => setEnrollment(null)}
      />
    );
  else if (enabled) body = <EnabledActions onCodes={setCodes} onDisabled={() => void refreshMe()} />;
  else body = <StartEnroll onStarted={setEnrollment} />;

  return (
    <Card
      title="Two-step verification"
      description={
        enabled
          ? 'On: signing in asks for a code from your authenticator app (or a recovery code).'
          : 'Off: add a code from an authenticator app to your password when you sign in.'
      }
    >
      <div data-testid="mfa-card" data-mfa-enabled={enabled ? 'true' : 'false'}>
        {body}
      </div>
    </Card>
  );
}

function StartEnroll({ onStarted }: { onStarted: (e: MfaEnrollResponse) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  return (
    <div className="space-y-3">
      {error && <Alert tone="error">{error}</Alert>}
      <Button
        loading={pending}
        onClick={async () => {
          setPending(true);
          setError(null);
          try {
            onStarted(await api.post('/auth/mfa/totp/enroll'));
          } catch (e) {
            setError(describeError(e));
          } finally {
            setPending(false);
          }
        }}
      >
        Set up two-step verification
      </Button>
    </div>
  );
}

/** The otpauth:// URL as a QR code, rendered here to an SVG data URL (the secret never leaves the page). */
function OtpauthQr({ url }: { url: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 })
      .then((svg) => live && setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`))
      .catch(() => live && setSrc(null));
    return () => {
      live = false;
    };
  }, [url]);
  if (!src) return <Skeleton className="mt-1 h-44 w-44" />;
  // biome-ignore lint/performance/noImgElement: a data: URL made in the browser, nothing to optimise
  return (
    <img
      src={src}
      alt="QR code for your authenticator app"
      width={176}
      height={176}
      className="mt-1 rounded bg-white p-1"
      data-testid="mfa-qr"
    />
  );
}

function EnrollForm({
  enrollment,
  onVerified,
  onCancel,
}: {
  enrollment: MfaEnrollResponse;
  onVerified: (codes: string[]) => void;
  onCancel: () => void;
}) {
  const form = useApiForm(
    (data) => api.post('/auth/mfa/totp/verify', { body: { code: codeOf(data) } }),
    (res) => onVerified(res.recovery_codes),
    (error) =>
      error instanceof ApiError && error.code === 'invalid_mfa_code'
        ? 'That code does not match. Check the time on your phone and try the next code.'
        : null,
  );
  const grouped = enrollment.secret.replace(/(.{4})/g, '$1 ').trim();
  return (
    <div className="space-y-4">
      <ol className="list-decimal space-y-2 pl-5 text-sm">
        <li>
          Scan this code with your authenticator app:
          <OtpauthQr url={enrollment.otpauth_url} />
        </li>
        <li>
          Or add an account with this setup key (time-based, 6 digits):
          <code
            className="mt-1 block break-all rounded bg-zinc-100 px-2 py-1 font-mono text-sm dark:bg-zinc-800"
            data-testid="mfa-secret"
            data-secret={enrollment.secret}
          >
            {grouped}
          </code>
        </li>
        <li>
          Or open this link on the device with the app:
          <a
            href={enrollment.otpauth_url}
            className="mt-1 block break-all font-mono text-xs text-brand-700 underline dark:text-brand-100"
            data-testid="mfa-otpauth-url"
          >
            {enrollment.otpauth_url}
          </a>
        </li>
        <li>Enter the 6-digit code the app shows.</li>
      </ol>
      <form onSubmit={form.onSubmit} noValidate className="grid gap-4 sm:max-w-sm">
        <AppCodeField error={form.fieldErrors.code} />
        <FormSubmit label="Turn on" {...form} />
        <Button variant="ghost" size="sm" onClick={onCancel}>
          Cancel
        </Button>
      </form>
    </div>
  );
}

function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const all = codes.join('\n');
  return (
    <Alert tone="success" title="Your recovery codes">
      <p>
        Save them somewhere safe now: they will not be shown again. Each one signs you in once if you lose your
        authenticator app.
      </p>
      <ul className="mt-2 grid grid-cols-2 gap-1 font-mono text-sm" data-testid="mfa-recovery-codes">
        {codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </ul>
      <div className="mt-3 flex flex-wrap gap-2">
        <Button
          size="sm"
          variant="secondary"
          onClick={() =>
            navigator.clipboard.writeText(all).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? 'Copied' : 'Copy'}
        </Button>
        <a
          className="inline-flex items-center rounded-lg border border-zinc-300 px-2.5 py-1.5 text-sm dark:border-zinc-700"
          href={`data:text/plain;charset=utf-8,${encodeURIComponent(`${all}\n`)}`}
          download="agentry-recovery-codes.txt"
        >
          Download
        </a>
        <Button size="sm" variant="ghost" onClick={onDone}>
          I saved them
        </Button>
      </div>
    </Alert>
  );
}

function EnabledActions({ onCodes, onDisabled }: { onCodes: (codes: string[]) => void; onDisabled: () => void }) {
  const toast = useToast();
  const disableRef = useRef<HTMLFormElement>(null);
  const regenerate = useApiForm(
    (data) => api.post('/auth/mfa/recovery-codes', { body: { code: codeOf(data) } }),
    (res) => onCodes(res.recovery_codes),
    describeReauthError,
  );
  const disable = useApiForm(
    // The contract wants exactly one factor: the field always holds one of them.
    (data) =>
      api.delete('/auth/mfa', {
        body: { password: text(data, 'password'), ...secondFactorOf(data) } as
          | { password: string; code: string }
          | { password: string; recovery_code: string },
      }),
    () => {
      disableRef.current?.reset();
      toast('Two-step verification is off.', 'success');
      onDisabled();
    },
    describeReauthError,
  );
  return (
    <div className="grid gap-6 sm:grid-cols-2">
      <form
        onSubmit={regenerate.onSubmit}
        noValidate
        className="grid content-start gap-3"
        aria-label="New recovery codes"
      >
        <h3 className="text-sm font-semibold">New recovery codes</h3>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">The old codes stop working.</p>
        <AppCodeField error={regenerate.fieldErrors.code} />
        <FormSubmit label="Generate new codes" {...regenerate} />
      </form>
      <form
        ref={disableRef}
        onSubmit={disable.onSubmit}
        noValidate
        className="grid content-start gap-3"
        aria-label="Turn off two-step verification"
      >
        <h3 className="text-sm font-semibold">Turn off</h3>
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          error={disable.fieldErrors.password}
        />
        <SecondFactorField enabled errors={disable.fieldErrors} />
        <FormSubmit label="Turn off two-step verification" {...disable} />
      </form>
    </div>
  );
}
