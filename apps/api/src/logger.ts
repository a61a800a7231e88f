import pino from 'pino';

/**
 * Structured logs (JSON). Anything that could hold a secret is redacted by path, as a second line of
 * defence: code must never pass a kubeconfig or token to the logger in the first place.
 */
export function createLogger(level: string): pino.Logger {
  return pino({
    level,
    base: { service: 'lws-fleet' },
    redact: {
      paths: [
        'kubeconfig',
        '*.kubeconfig',
        '*.*.kubeconfig',
        'token',
        '*.token',
        'authorization',
        '*.authorization',
      ],
      censor: '[redacted]',
    },
  });
}

export type Logger = pino.Logger;
