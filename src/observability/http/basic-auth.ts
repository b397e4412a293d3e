import { createHash, timingSafeEqual } from 'node:crypto';
import fastifyBasicAuth from '@fastify/basic-auth';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface BasicAuthCredentials {
  user: string;
  password: string;
}

// Hashing first gives equal-length buffers, so the comparison time says nothing about the secret.
const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/**
 * Requires HTTP basic auth on every route of `app` (registered before the routes it protects), except the
 * paths in `open` (a liveness probe that reveals nothing).
 */
export async function requireBasicAuth(
  app: FastifyInstance,
  creds: BasicAuthCredentials,
  realm: string,
  open: readonly string[] = [],
) {
  await app.register(fastifyBasicAuth, {
    authenticate: { realm },
    async validate(user, password) {
      // Both compared every time: no early exit on a wrong user name.
      const ok = [same(user, creds.user), same(password, creds.password)].every(Boolean);
      if (!ok) return new Error('invalid user or password');
    },
  });
  const check = app.basicAuth as (
    req: FastifyRequest,
    reply: FastifyReply,
    done: (err?: Error) => void,
  ) => void;
  app.addHook('onRequest', (req, reply, done) => {
    if (open.includes(req.url)) return done();
    check.call(app, req, reply, done);
  });
}
