/**
 * The baseline for `npm run bench`: stock ltijs 5.9.9 with nothing of Jalon — an in-memory
 * plugin, `onConnect` answering a tiny HTML page — mounted like Jalon's engine (express 5,
 * ltijs's app at `/lti`, same cookie and token-age settings), on 127.0.0.1. Runs in its own
 * process (ltijs's Provider is a singleton); started by bench/launch.ts, not by hand.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Provider } from 'ltijs';
import { counters, serveDriver } from '../lib/child-runtime.js';
import { BASELINE_PAGE_MARKER } from '../lib/protocol.js';
import { MemoryStore } from './memory-store.js';

/** Jalon's defaults (config/default.json: token max age 60 s + clock skew 60 s). */
const TOKEN_MAX_AGE_SECONDS = 120;

await serveDriver(async () => {
  const store = new MemoryStore();
  store.onCall = () => {
    counters.storeCalls++;
  };
  Provider.setup(
    randomBytes(32).toString('hex'),
    { plugin: store },
    {
      appRoute: '/',
      loginRoute: '/login',
      keysetRoute: '/keys',
      cookies: { secure: false, sameSite: 'Lax' },
      tokenMaxAge: TOKEN_MAX_AGE_SECONDS,
      devMode: false,
      cors: false,
    },
  );
  Provider.onConnect(async (token, _req, res) => {
    const name = String(token.userInfo?.name ?? token.user).replace(/[<>&"]/g, '');
    res.type('html').send(`<!doctype html><title>ok</title><p id="${BASELINE_PAGE_MARKER}">${name}</p>`);
  });
  await store.setup();
  const app = express();
  app.use('/lti', Provider.app);
  const server = http.createServer(app);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoints: { url, loginUrl: `${url}/lti/login`, launchUrl: `${url}/lti`, jwksUrl: `${url}/lti/keys` },
    async trust(p) {
      await Provider.registerPlatform({
        url: p.issuer,
        name: 'bench platform',
        clientId: p.clientId,
        authenticationEndpoint: p.authEndpoint,
        accesstokenEndpoint: p.tokenEndpoint,
        authConfig: { method: 'JWK_SET', key: p.jwksUri },
      });
    },
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.Close();
    },
  };
});
