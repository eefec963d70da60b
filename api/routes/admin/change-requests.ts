/**
 * Admin: change requests. Publishing, promoting or rolling back in an environment that requires approval opens one
 * (see the environments routes); publishers other than the author approve or reject with a comment, the author
 * withdraws, anyone refreshes a request whose base version moved. Shapes: api/contract/release.ts.
 */
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../accounts/principal';
import type { AppContext } from '../../app-context';
import {
  ChangeRequestCommentBody,
  ChangeRequestListQuery,
  ChangeRequestParams,
  ChangeRequestRejectBody,
} from '../../contract/release';
import {
  approveChangeRequest,
  changeRequestView,
  commentOnChangeRequest,
  getChangeRequestOr404,
  refreshChangeRequest,
  rejectChangeRequest,
  withdrawChangeRequest,
} from '../../features/release';
import { parse } from '../../lib/http-errors';

export async function changeRequestRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/change-requests', { config: { role: 'viewer' }, schema: { tags: ['release'] } }, async (request) => {
    const q = parse(ChangeRequestListQuery, request.query ?? {}, 'query');
    const list = await ctx.store.listChangeRequests({
      featureId: q.feature,
      environment: q.environment,
      status: q.status,
    });
    return list.map(changeRequestView);
  });

  app.get<{ Params: { id: string } }>(
    '/change-requests/:id',
    { config: { role: 'viewer' }, schema: { tags: ['release'] } },
    async (request) => {
      const { id } = parse(ChangeRequestParams, request.params, 'params');
      return changeRequestView(await getChangeRequestOr404(ctx, id));
    },
  );

  app.post<{ Params: { id: string } }>(
    '/change-requests/:id/approve',
    { config: { role: 'publisher' }, schema: { tags: ['release'], summary: 'Approve (goes live at the last one)' } },
    async (request) => {
      const { id } = parse(ChangeRequestParams, request.params, 'params');
      const body = parse(ChangeRequestCommentBody, request.body ?? {});
      const principal = request.principal;
      const out = await approveChangeRequest(
        ctx,
        id,
        { actor: actorOf(principal), role: principal?.role ?? 'viewer' },
        body.comment,
      );
      return { changeRequest: changeRequestView(out.changeRequest), outcome: out.outcome };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/change-requests/:id/reject',
    { config: { role: 'publisher' }, schema: { tags: ['release'] } },
    async (request) => {
      const { id } = parse(ChangeRequestParams, request.params, 'params');
      const body = parse(ChangeRequestRejectBody, request.body ?? {});
      return changeRequestView(await rejectChangeRequest(ctx, id, { actor: actorOf(request.principal) }, body.comment));
    },
  );

  app.post<{ Params: { id: string } }>(
    '/change-requests/:id/withdraw',
    { config: { role: 'publisher' }, schema: { tags: ['release'] } },
    async (request) => {
      const { id } = parse(ChangeRequestParams, request.params, 'params');
      const body = parse(ChangeRequestCommentBody, request.body ?? {});
      return changeRequestView(
        await withdrawChangeRequest(ctx, id, { actor: actorOf(request.principal) }, body.comment),
      );
    },
  );

  app.post<{ Params: { id: string } }>(
    '/change-requests/:id/refresh',
    {
      config: { role: 'publisher' },
      schema: { tags: ['release'], summary: 'Rebase on the version live now (approvals start over)' },
    },
    async (request) => {
      const { id } = parse(ChangeRequestParams, request.params, 'params');
      return changeRequestView(await refreshChangeRequest(ctx, id, { actor: actorOf(request.principal) }));
    },
  );

  app.post<{ Params: { id: string } }>(
    '/change-requests/:id/comments',
    { config: { role: 'editor' }, schema: { tags: ['release'] } },
    async (request) => {
      const { id } = parse(ChangeRequestParams, request.params, 'params');
      const body = parse(ChangeRequestRejectBody, request.body ?? {});
      return changeRequestView(
        await commentOnChangeRequest(ctx, id, { actor: actorOf(request.principal) }, body.comment),
      );
    },
  );
}
