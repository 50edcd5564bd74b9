/**
 * The page Content-Security-Policy. Scripts run only with this response's nonce ('strict-dynamic'
 * lets those scripts load Next's chunks); Next.js reads the nonce from the request's CSP header
 * and puts it on its own scripts, the root layout on the theme boot script. Every page is
 * rendered per request for that (the root layout reads the nonce).
 *
 * Styles: stylesheets from this origin and nonce'd <style> elements; `style` attributes are
 * allowed (`style-src-attr`) because React server-renders `style={…}` props (usage meters) and
 * an attribute cannot carry a nonce. Images: this origin plus any https host, for avatars (the API
 * accepts https avatar URLs only). The browser talks to the BFF only, and to Stripe when the billing
 * page adds a card: Stripe.js is loaded by our own nonce'd code ('strict-dynamic'), its Elements are
 * frames from js.stripe.com (3-D Secure from hooks.stripe.com) and it calls api.stripe.com — the
 * origins Stripe documents for Elements, allowed on every page because client-side navigation keeps
 * the first page's policy.
 * Development adds what Next's dev server needs ('unsafe-eval' for React's debugging, inline styles).
 */
const STRIPE_API = 'https://api.stripe.com';
const STRIPE_FRAMES = ['https://js.stripe.com', 'https://hooks.stripe.com'];

export function contentSecurityPolicy(
  nonce: string,
  { dev = false, https = false }: { dev?: boolean; https?: boolean } = {},
): string {
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'", `'nonce-${nonce}'`, "'strict-dynamic'", ...(dev ? ["'unsafe-eval'"] : [])],
    'style-src': dev ? ["'self'", "'unsafe-inline'"] : ["'self'", `'nonce-${nonce}'`],
    'style-src-attr': ["'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:', 'https:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'", STRIPE_API, ...(dev ? ['ws:'] : [])],
    'worker-src': ["'self'", 'blob:'],
    'manifest-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    'frame-src': STRIPE_FRAMES,
  };
  const policy = Object.entries(directives).map(([name, values]) => `${name} ${values.join(' ')}`);
  // Only over https: on plain http (local runs) it would turn every asset request into a failing https one.
  if (https) policy.push('upgrade-insecure-requests');
  return policy.join('; ');
}

/** 128 random bits, base64: a fresh nonce per response. */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}
