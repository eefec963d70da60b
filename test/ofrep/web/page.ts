/**
 * Test page bundled by test/ofrep/web-provider.test.ts: the official OpenFeature web SDK with the OFREP web
 * provider, pointed at the real service. The test drives it through `window.cf` and the page shows each flag.
 */
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { type EvaluationContext, OpenFeature, ProviderEvents } from '@openfeature/web-sdk';

const FLAGS = ['article', 'copy-test', 'no-such-flag'];
let changes = 0;

function details(flag: string) {
  const d = OpenFeature.getClient().getStringDetails(flag, 'fallback');
  return {
    value: d.value,
    variant: d.variant ?? null,
    reason: d.reason ?? null,
    errorCode: d.errorCode ?? null,
    flagMetadata: d.flagMetadata,
  };
}

function render(label: string): void {
  const rows = FLAGS.map((f) => {
    const d = details(f);
    return `<tr><td>${f}</td><td>${d.value}</td><td>${d.reason}</td><td>${d.errorCode ?? ''}</td><td>${d.flagMetadata.version ?? ''}</td></tr>`;
  }).join('');
  document.body.innerHTML = `<h1>OFREP web provider</h1><p data-testid="label">${label} (configuration changes: ${changes})</p>
    <table border="1" cellpadding="4"><tr><th>flag</th><th>value</th><th>reason</th><th>error</th><th>version</th></tr>${rows}</table>`;
}

const api = {
  async start(baseUrl: string, context: EvaluationContext, pollInterval: number) {
    OpenFeature.addHandler(ProviderEvents.ConfigurationChanged, () => {
      changes++;
      render('configuration changed');
    });
    await OpenFeature.setContext(context);
    await OpenFeature.setProviderAndWait(
      new OFREPWebProvider({ baseUrl, pollInterval, cacheMode: 'disabled', disableVisibilityRefresh: true }),
    );
    render('started');
  },
  async setContext(context: EvaluationContext, label: string) {
    await OpenFeature.setContext(context);
    render(label);
  },
  details,
  changes: () => changes,
};

(window as unknown as { cf: typeof api }).cf = api;
