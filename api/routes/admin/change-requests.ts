/**
 * Admin: change requests. Publishing, promoting or rolling back in an environment that requires approval opens one
 * (see the environments routes); publishers other than the author approve or reject with a comment, the author
 * withdraws, anyone refreshes a request whose base version moved. Shapes: api/contract/release.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { actorOf } from '../../accounts/principal';
import { changeRequestRoutesContract } from '../../contract/release';
import {
  approveChangeRequest,
  changeRequestView,
  commentOnChangeRequest,
  getChangeRequestOr404,
  goLiveOf,
  pendingView,
  type ReleaseOutcome,
  refreshChangeRequest,
  rejectChangeRequest,
  withdrawChangeRequest,
} from '../../features/release';
import { routePlugin } from '../../plugins/define-plugin';

/** A release outcome as answered (a pending one carries its change request's view). */
const outcomeView = (out: ReleaseOutcome | null) => (out?.status === 'pendingApproval' ? pendingView(out) : out);

async function changeRequestRoutesPlugin(base: FastifyInstance): Promise<void> {
  const ctx = base.claimflow;
  const app = base.withTypeProvider<ZodTypeProvider>();
  const c = changeRequestRoutesContract;

  app.get('/change-requests', { config: { role: 'viewer' }, schema: c.list }, async (request) => {
    const q = request.query;
    const list = await ctx.store.listChangeRequests({
      featureId: q.feature,
      environment: q.environment,
      status: q.status,
    });
    return list.map(changeRequestView);
  });

  app.get('/change-requests/:id', { config: { role: 'viewer' }, schema: c.get }, async (request) =>
    changeRequestView(await getChangeRequestOr404(ctx, request.params.id)),
  );

  app.post('/change-requests/:id/approve', { config: { role: 'publisher' }, schema: c.approve }, async (request) => {
    const principal = request.principal;
    const out = await approveChangeRequest(
      ctx,
      request.params.id,
      { actor: actorOf(principal), role: principal?.role ?? 'viewer' },
      request.body.comment,
      { goLive: goLiveOf(request.body.at, request.body.timeZone) },
    );
    return { changeRequest: changeRequestView(out.changeRequest), outcome: outcomeView(out.outcome) };
  });

  app.post('/change-requests/:id/reject', { config: { role: 'publisher' }, schema: c.reject }, async (request) =>
    changeRequestView(
      await rejectChangeRequest(ctx, request.params.id, { actor: actorOf(request.principal) }, request.body.comment),
    ),
  );

  app.post('/change-requests/:id/withdraw', { config: { role: 'publisher' }, schema: c.withdraw }, async (request) =>
    changeRequestView(
      await withdrawChangeRequest(ctx, request.params.id, { actor: actorOf(request.principal) }, request.body.comment),
    ),
  );

  app.post('/change-requests/:id/refresh', { config: { role: 'publisher' }, schema: c.refresh }, async (request) =>
    changeRequestView(await refreshChangeRequest(ctx, request.params.id, { actor: actorOf(request.principal) })),
  );

  app.post('/change-requests/:id/comments', { config: { role: 'editor' }, schema: c.comment }, async (request) =>
    changeRequestView(
      await commentOnChangeRequest(ctx, request.params.id, { actor: actorOf(request.principal) }, request.body.comment),
    ),
  );
}

/** Change requests: list, read, approve, reject, withdraw, refresh, comment. */
export const changeRequestRoutes = routePlugin('claimflow-change-request-routes', changeRequestRoutesPlugin);
