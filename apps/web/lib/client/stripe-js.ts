/** The few parts of Stripe.js the billing page uses (https://docs.stripe.com/js). */
export interface StripeJs {
  elements(options: { clientSecret: string }): StripeElements;
  confirmSetup(options: {
    elements: StripeElements;
    redirect: 'if_required';
  }): Promise<{ error?: { message?: string } }>;
}
export interface StripeElements {
  create(type: 'payment'): { mount(el: HTMLElement): void; destroy(): void };
}

declare global {
  interface Window {
    Stripe?: (publishableKey: string) => StripeJs;
  }
}

let loading: Promise<NonNullable<Window['Stripe']>> | undefined;

/**
 * Loads Stripe.js from Stripe (never bundled or self-hosted, as Stripe requires), once, and only
 * when a card is being added — pages without billing never contact Stripe.
 */
export function loadStripeJs(publishableKey: string): Promise<StripeJs> {
  loading ??= new Promise((resolve, reject) => {
    if (window.Stripe) return resolve(window.Stripe);
    const script = document.createElement('script');
    script.src = 'https://js.stripe.com/v3';
    script.async = true;
    script.onload = () => (window.Stripe ? resolve(window.Stripe) : reject(new Error('Stripe.js did not load')));
    script.onerror = () => {
      loading = undefined;
      reject(new Error('Stripe.js could not be loaded'));
    };
    document.head.appendChild(script);
  });
  return loading.then((Stripe) => Stripe(publishableKey));
}
