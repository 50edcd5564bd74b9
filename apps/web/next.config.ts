import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // The contracts package ships TypeScript source, not a build.
  transpilePackages: ['@agentry/contracts'],
  // The BFF is the only thing the browser talks to; no header advertises the framework.
  poweredByHeader: false,
  reactStrictMode: true,
  // The contracts source imports `./auth.js` meaning `./auth.ts` (NodeNext style). Webpack maps the
  // suffix; Turbopack does not for workspace packages yet, so `build` uses `--webpack`.
  webpack(config) {
    config.resolve.extensionAlias = { ...config.resolve.extensionAlias, '.js': ['.ts', '.tsx', '.js'] };
    return config;
  },
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Frame-Options', value: 'DENY' },
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'same-origin' },
          // The Content-Security-Policy needs a per-response nonce: proxy.ts sets it on pages.
          {
            key: 'Permissions-Policy',
            value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()',
          },
          { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
          { key: 'Cross-Origin-Resource-Policy', value: 'same-origin' },
          // Browsers ignore it over plain http (local runs); behind https it pins https for two years.
          { key: 'Strict-Transport-Security', value: 'max-age=63072000; includeSubDomains' },
        ],
      },
    ];
  },
};

export default nextConfig;
