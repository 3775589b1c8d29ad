/**
 * The Canvas REST endpoints Jalon reads, named as Canvas names developer-key scopes
 * (`url:GET|/api/v1/...`). An admin who turns on "Enforce Scopes" must tick exactly these;
 * the connector names the missing one when Canvas answers "Insufficient scopes".
 */

/** Each endpoint Jalon calls, by purpose. */
export const CANVAS_ENDPOINTS = {
  self: '/api/v1/users/:id',
  assignments: '/api/v1/courses/:course_id/assignments',
  assignment: '/api/v1/courses/:course_id/assignments/:id',
  quizzes: '/api/v1/courses/:course_id/quizzes',
  quiz: '/api/v1/courses/:course_id/quizzes/:id',
  submissions: '/api/v1/courses/:course_id/assignments/:assignment_id/submissions',
  submission: '/api/v1/courses/:course_id/assignments/:assignment_id/submissions/:user_id',
  studentSubmissions: '/api/v1/courses/:course_id/students/submissions',
  quizSubmissions: '/api/v1/courses/:course_id/quizzes/:quiz_id/submissions',
  progress: '/api/v1/courses/:course_id/users/:user_id/progress',
  modules: '/api/v1/courses/:course_id/modules',
} as const;

/** The developer-key scope of a GET endpoint template. */
export function scopeOf(template: string): string {
  return `url:GET|${template}`;
}

/** Every scope Jalon needs on an API developer key that enforces scopes. */
export const CANVAS_REQUIRED_SCOPES: readonly string[] = Object.values(CANVAS_ENDPOINTS).map(scopeOf);

const MATCHERS = Object.values(CANVAS_ENDPOINTS).map((template) => ({
  template,
  re: new RegExp(`^${template.replace(/:[a-z_]+/g, '[^/]+')}$`),
}));

/** The endpoint template a concrete path belongs to (for error messages), if Jalon knows it. */
export function templateOf(pathname: string): string | undefined {
  return MATCHERS.find((m) => m.re.test(pathname))?.template;
}
