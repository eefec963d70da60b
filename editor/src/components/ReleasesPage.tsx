/**
 * Releases: the environment switcher, the version live in each environment per feature (publish the draft to the
 * chosen environment, promote into it), and change requests (list, detail with the diff against live, suite results,
 * impact on recorded decisions and comments; approve, reject, withdraw, refresh). The server enforces roles and the
 * approval rules (an author cannot approve their own request); the page shows what it answers.
 */

import { useCallback, useEffect, useState } from 'react';
import type { z } from 'zod';
import type {
  ChangeRequest,
  EnvironmentView as EnvironmentViewSchema,
  SiteKeyView,
} from '../../../api/contract/release';
import { api, describeError, type FeatureSummary } from '../api/client';
import { ListTable } from './ListTable';
import { can, usePrincipal } from './session';
import { browserZone } from './TimeZoneSelect';
import { WallClockInputs } from './WallClockInputs';
import './releases.css';

// API shapes from the service's contract (type-only imports).
type EnvironmentView = z.infer<typeof EnvironmentViewSchema>;
type SiteKey = z.infer<typeof SiteKeyView>;

const ENV_KEY = 'claimflow.environment';

export function ReleasesPage() {
  const principal = usePrincipal();
  const publisher = principal ? can(principal.role, 'publisher') : false;
  const [envs, setEnvs] = useState<EnvironmentView[]>([]);
  const [env, setEnv] = useState<string>(localStorage.getItem(ENV_KEY) ?? '');
  const [rows, setRows] = useState<{ feature: FeatureSummary; live: Record<string, number | null> }[]>([]);
  const [requests, setRequests] = useState<ChangeRequest[]>([]);
  const [status, setStatus] = useState('open');
  const [selected, setSelected] = useState<ChangeRequest | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  /** Optional go-live time for a release that needs approval: a `datetime-local` value (empty: once approved). */
  const [goLive, setGoLive] = useState({ at: '', timeZone: browserZone });

  const load = useCallback(async () => {
    try {
      const [e, features, crs] = await Promise.all([
        api<{ default: string; environments: EnvironmentView[] }>('GET', '/environments'),
        api<FeatureSummary[]>('GET', '/features'),
        api<ChangeRequest[]>('GET', `/change-requests${status ? `?status=${status}` : ''}`),
      ]);
      setEnvs(e.environments);
      setEnv((current) => (e.environments.some((x) => x.name === current) ? current : e.default));
      const live = await Promise.all(
        features.map((f) =>
          api<{ environments: { name: string; version: number | null }[] }>(
            'GET',
            `/features/${encodeURIComponent(f.id)}/environments`,
          ),
        ),
      );
      setRows(
        features.map((f, i) => ({
          feature: f,
          live: Object.fromEntries(live[i].environments.map((x) => [x.name, x.version])),
        })),
      );
      setRequests(crs);
    } catch (err) {
      setMessage({ kind: 'error', text: describeError(err) });
    }
  }, [status]);
  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    if (env) localStorage.setItem(ENV_KEY, env);
  }, [env]);

  const current = envs.find((e) => e.name === env);
  const others = envs.filter((e) => e.name !== env);
  const goLiveBody = current?.requiresApproval && goLive.at ? { at: goLive.at, timeZone: goLive.timeZone } : {};

  const act = async (what: () => Promise<unknown>, ok: (answer: never) => string) => {
    setMessage(null);
    try {
      const answer = await what();
      setMessage({ kind: 'ok', text: ok(answer as never) });
      await load();
      return answer;
    } catch (err) {
      setMessage({ kind: 'error', text: describeError(err) });
      return null;
    }
  };
  const releaseText = (a: { status: string; version?: number; environment: string; changeRequest?: ChangeRequest }) =>
    a.status === 'live'
      ? `Version ${a.version} is live in ${a.environment}.`
      : `${a.environment} requires approval: change request opened for review.`;

  const openRequest = async (id: string) => {
    try {
      setSelected(await api<ChangeRequest>('GET', `/change-requests/${id}`));
    } catch (err) {
      setMessage({ kind: 'error', text: describeError(err) });
    }
  };

  return (
    <div className="page releases">
      <div className="releases-head">
        <h2>Releases</h2>
        <label className="env-switcher">
          Environment{' '}
          <select data-testid="env-switcher" value={env} onChange={(e) => setEnv(e.target.value)}>
            {envs.map((e) => (
              <option key={e.name} value={e.name}>
                {e.name}
                {e.default ? ' (default)' : ''}
              </option>
            ))}
          </select>
        </label>
        {current ? (
          <span className="muted" data-testid="env-approval">
            {current.requiresApproval
              ? `Changes need ${current.approvalsNeeded} approval${current.approvalsNeeded === 1 ? '' : 's'}`
              : 'Changes go live at once'}
          </span>
        ) : null}
      </div>
      {publisher && current?.requiresApproval ? (
        <fieldset className="plain go-live" data-testid="go-live">
          <legend>Go-live time for a publish or promote here (optional; empty: as soon as approved)</legend>
          <WallClockInputs label="Goes live at" testId="go-live" value={goLive} onChange={setGoLive} />
        </fieldset>
      ) : null}
      {message ? (
        <p className={message.kind === 'error' ? 'error' : 'ok'} role="status" data-testid="release-message">
          {message.text}
        </p>
      ) : null}

      <table className="table" data-testid="env-table">
        <thead>
          <tr>
            <th>Feature</th>
            {envs.map((e) => (
              <th key={e.name} className={e.name === env ? 'env-current' : ''}>
                {e.name}
              </th>
            ))}
            <th>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ feature, live }) => (
            <tr key={feature.id} data-testid={`env-row-${feature.id}`}>
              <td>
                <strong>{feature.name}</strong> <code>{feature.id}</code>
              </td>
              {envs.map((e) => (
                <td
                  key={e.name}
                  className={e.name === env ? 'env-current' : ''}
                  data-testid={`live-${feature.id}-${e.name}`}
                >
                  {live[e.name] == null ? (
                    <span className="badge">none</span>
                  ) : (
                    <span className="badge live">v{live[e.name]}</span>
                  )}
                </td>
              ))}
              <td className="actions">
                {publisher ? (
                  <span className="inline">
                    <button
                      data-testid={`publish-to-${feature.id}`}
                      onClick={() =>
                        act(
                          () =>
                            api('POST', `/features/${encodeURIComponent(feature.id)}/environments/${env}/publish`, {
                              note: `published to ${env} from the Releases page`,
                              ...goLiveBody,
                            }),
                          releaseText,
                        )
                      }
                    >
                      Publish draft to {env}
                    </button>
                    {others.map((o) => (
                      <button
                        key={o.name}
                        disabled={live[o.name] == null}
                        data-testid={`promote-${feature.id}-from-${o.name}`}
                        onClick={() =>
                          act(
                            () =>
                              api('POST', `/features/${encodeURIComponent(feature.id)}/environments/${env}/promote`, {
                                from: o.name,
                                ...goLiveBody,
                              }),
                            releaseText,
                          )
                        }
                      >
                        Promote {o.name} → {env}
                      </button>
                    ))}
                  </span>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      {principal && can(principal.role, 'admin') ? <SiteKeys environments={envs.map((e) => e.name)} /> : null}

      <div className="releases-head">
        <h3>Change requests</h3>
        <label>
          Status{' '}
          <select data-testid="cr-status" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="open">open</option>
            <option value="">all</option>
            <option value="applied">applied</option>
            <option value="rejected">rejected</option>
            <option value="withdrawn">withdrawn</option>
          </select>
        </label>
      </div>
      <ListTable
        headers={['Feature', 'Environment', 'Change', 'Author', 'Approvals', 'Status']}
        empty={requests.length === 0 ? 'No change requests here.' : null}
        testId="cr-table"
      >
        {requests.map((cr) => (
          <tr key={cr.id} data-testid={`cr-row-${cr.featureId}`}>
            <td>
              <button className="link" data-testid={`cr-open-${cr.featureId}`} onClick={() => openRequest(cr.id)}>
                {cr.featureId}
              </button>
            </td>
            <td>{cr.environment}</td>
            <td>{describeChange(cr)}</td>
            <td>{cr.author.name}</td>
            <td>
              {cr.approvals} / {cr.approvalsNeeded}
            </td>
            <td>
              <span className={`badge ${cr.status === 'applied' ? 'live' : cr.status === 'open' ? 'info' : ''}`}>
                {cr.status}
              </span>
            </td>
          </tr>
        ))}
      </ListTable>

      {selected ? (
        <ChangeRequestDetail
          cr={selected}
          canReview={publisher}
          isAuthor={principal?.name === selected.author.name}
          onAction={async (path, body, ok) => {
            const answer = (await act(
              () => api('POST', `/change-requests/${selected.id}/${path}`, body),
              () => ok,
            )) as ChangeRequest | { changeRequest: ChangeRequest } | null;
            if (answer) setSelected('changeRequest' in answer ? answer.changeRequest : answer);
          }}
          onClose={() => setSelected(null)}
        />
      ) : null}
    </div>
  );
}

function describeChange(cr: ChangeRequest): string {
  if (cr.action === 'promote') return `promote v${cr.proposal.version} from ${cr.proposal.fromEnvironment}`;
  if (cr.action === 'rollback') return `roll back to v${cr.proposal.version}`;
  return `publish the draft${cr.proposal.note ? `: ${cr.proposal.note}` : ''}`;
}

function ChangeRequestDetail({
  cr,
  canReview,
  isAuthor,
  onAction,
  onClose,
}: {
  cr: ChangeRequest;
  canReview: boolean;
  /** The author withdraws; others approve or reject (the server checks both). */
  isAuthor: boolean;
  onAction(path: string, body: unknown, ok: string): Promise<void>;
  onClose(): void;
}) {
  const [comment, setComment] = useState('');
  const { diff, suites, impact } = cr.review;
  const open = cr.status === 'open';
  return (
    <section className="card cr-detail" data-testid="cr-detail" aria-label="Change request">
      <div className="releases-head">
        <h3>
          {cr.featureId} → {cr.environment}: {describeChange(cr)}
        </h3>
        <span className={`badge ${cr.status === 'applied' ? 'live' : 'info'}`} data-testid="cr-status-badge">
          {cr.status}
        </span>
        <button className="link" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="muted">
        Opened by {cr.author.name} against version {cr.baseVersion ?? 'none'} live in {cr.environment}; {cr.approvals}{' '}
        of {cr.approvalsNeeded} approval{cr.approvalsNeeded === 1 ? '' : 's'}
        {cr.appliedVersion !== null ? `; version ${cr.appliedVersion} went live` : ''}.
      </p>
      {cr.goLive ? (
        <p data-testid="cr-go-live">
          {open
            ? 'Goes live once approved, at '
            : cr.status === 'approved' && cr.goLive.scheduleId
              ? 'Approved: scheduled to go live at '
              : 'Go-live time: '}
          <strong>
            {cr.goLive.localTime.replace('T', ' ')} {cr.goLive.timeZone}
          </strong>
          {open ? ' (an approval after that time makes it live at once).' : '.'}
        </p>
      ) : null}
      <div className="cr-columns">
        <div>
          <h4>Diff against live</h4>
          {diff.same ? <p className="muted">Same rule as live.</p> : null}
          <ul className="cr-diff" data-testid="cr-diff">
            {diff.nodes.added.map((n) => (
              <li key={`a-${n.id}`} className="added">
                + node <code>{n.id}</code> ({n.type})
              </li>
            ))}
            {diff.nodes.removed.map((n) => (
              <li key={`r-${n.id}`} className="removed">
                − node <code>{n.id}</code> ({n.type})
              </li>
            ))}
            {diff.nodes.changed.map((n) => (
              <li key={`c-${n.id}`} className="changed">
                ~ node <code>{n.id}</code>: <code>{JSON.stringify(n.before)}</code> →{' '}
                <code>{JSON.stringify(n.after)}</code>
              </li>
            ))}
            {diff.edges.added.map((e) => (
              <li key={`ea-${e}`} className="added">
                + edge {e}
              </li>
            ))}
            {diff.edges.removed.map((e) => (
              <li key={`er-${e}`} className="removed">
                − edge {e}
              </li>
            ))}
          </ul>
        </div>
        <div>
          <h4>Suite results</h4>
          {suites.length === 0 ? <p className="muted">This feature has no suites.</p> : null}
          <ul data-testid="cr-suites">
            {suites.map((s) => (
              <li key={s.suite}>
                <strong>{s.suite}</strong>: {s.passed} of {s.total} pass
                {s.failed > 0 ? <span className="badge warn"> {s.failed} failing</span> : null}
              </li>
            ))}
          </ul>
          <h4>Impact on recorded decisions</h4>
          {impact === null ? (
            <p className="muted">Nothing live here yet, or nothing recorded.</p>
          ) : (
            <p data-testid="cr-impact">
              {impact.changed} of {impact.total} recorded decisions change
              {impact.transitions.map((t) => ` · ${t.from ?? 'none'} → ${t.to ?? 'none'} (${t.count})`).join('')}
            </p>
          )}
        </div>
      </div>
      <h4>Comments and history</h4>
      <ol className="cr-history" data-testid="cr-history">
        {cr.history.map((h, i) => (
          <li key={i}>
            <span className="muted">{new Date(h.at).toLocaleString()}</span> <strong>{h.actor.name}</strong> {h.kind}
            {h.text ? `: ${h.text}` : ''}
          </li>
        ))}
      </ol>
      {open && canReview ? (
        <div className="cr-actions">
          <label className="cr-comment">
            Comment
            <textarea data-testid="cr-comment" value={comment} onChange={(e) => setComment(e.target.value)} rows={2} />
          </label>
          <span className="inline">
            <button
              className="primary"
              data-testid="cr-approve"
              onClick={() => onAction('approve', { comment }, 'Approved.')}
            >
              Approve
            </button>
            <button data-testid="cr-reject" onClick={() => onAction('reject', { comment }, 'Rejected.')}>
              Reject
            </button>
            {isAuthor ? (
              <button data-testid="cr-withdraw" onClick={() => onAction('withdraw', { comment }, 'Withdrawn.')}>
                Withdraw
              </button>
            ) : null}
            <button data-testid="cr-refresh" onClick={() => onAction('refresh', {}, 'Rebased on the live version.')}>
              Refresh
            </button>
          </span>
        </div>
      ) : null}
    </section>
  );
}

/** Site keys (admins): the publishable key a site sends to be answered from an environment, with its CORS origins. */
function SiteKeys({ environments }: { environments: string[] }) {
  const [keys, setKeys] = useState<SiteKey[]>([]);
  const [name, setName] = useState('');
  const [environment, setEnvironment] = useState('');
  const [origins, setOrigins] = useState('');
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setKeys(await api<SiteKey[]>('GET', '/site-keys'));
    } catch (err) {
      setError(describeError(err));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  const create = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api('POST', '/site-keys', {
        name: name.trim(),
        environment: environment || environments[0],
        origins: origins
          .split(/[\s,]+/)
          .map((o) => o.trim())
          .filter(Boolean),
      });
      setName('');
      setOrigins('');
      await load();
    } catch (err) {
      setError(describeError(err));
    }
  };
  const revoke = async (id: string) => {
    try {
      await api('DELETE', `/site-keys/${id}`);
      await load();
    } catch (err) {
      setError(describeError(err));
    }
  };
  const active = keys.filter((k) => k.revokedAt === null);
  return (
    <section aria-label="Site keys" data-testid="site-keys">
      <div className="releases-head">
        <h3>Site keys</h3>
        <span className="muted">Sites send one as x-claimflow-site-key to be answered from its environment.</span>
      </div>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      <ListTable
        headers={['Name', 'Environment', 'Key', 'Browser origins', { hidden: 'Actions' }]}
        empty={
          active.length === 0 ? 'No site keys: sites without one are answered from the default environment.' : null
        }
      >
        {active.map((k) => (
          <tr key={k.id} data-testid={`site-key-${k.name}`}>
            <td>{k.name}</td>
            <td>{k.environment}</td>
            <td>
              <code data-testid={`site-key-value-${k.name}`}>{k.key}</code>
            </td>
            <td>{k.origins.length ? k.origins.join(', ') : <span className="muted">none</span>}</td>
            <td className="actions">
              <button data-testid={`site-key-revoke-${k.name}`} onClick={() => revoke(k.id)}>
                Revoke
              </button>
            </td>
          </tr>
        ))}
      </ListTable>
      <form className="inline site-key-form" onSubmit={create}>
        <label>
          Name
          <input data-testid="site-key-name" value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label>
          Environment
          <select
            data-testid="site-key-environment"
            value={environment || environments[0] || ''}
            onChange={(e) => setEnvironment(e.target.value)}
          >
            {environments.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label>
          Origins
          <input
            data-testid="site-key-origins"
            value={origins}
            placeholder="https://staging.example.com"
            onChange={(e) => setOrigins(e.target.value)}
          />
        </label>
        <button className="primary" data-testid="site-key-create" type="submit">
          Create site key
        </button>
      </form>
    </section>
  );
}
