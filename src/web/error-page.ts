/**
 * The error page: an HttpError rendered in the person's language, never a stack trace or a
 * token. Apart from the application so that the CLI (which hands it to the services) does
 * not load every router.
 */
import type { Lang } from '../i18n/index.js';
import { translator } from '../i18n/index.js';
import type { ErrorRenderer } from '../lti/engine.js';
import { renderPage, requestLang } from './views.js';

/** Renders an HttpError as a page in the person's language. */
export const renderError: ErrorRenderer = (req, res, err, lang, extra) => {
  if (lang) res.locals.lang = lang;
  const l: Lang = requestLang(req, res);
  const t = translator(l);
  if (res.headersSent) return;
  renderPage(
    req,
    res,
    'error.njk',
    {
      message: t(err.messageKey, err.params),
      requestId: res.locals.requestId ?? '-',
      actionUrl: extra?.actionUrl,
      actionLabel: extra?.actionLabelKey ? t(extra.actionLabelKey) : undefined,
      actionNewWindow: extra?.newWindow,
    },
    err.status,
  );
};
