/**
 * What a push becomes once checked: a trigger to re-read one learner, never a fact. A push
 * never decides alone (issue 10 §2): the job that handles a trigger reads the truth from the
 * platform's API and evaluates standing from that.
 */

/** What kind of change the push reports; the re-read may be narrowed by it. */
export type PushKind = 'attempt' | 'grade' | 'feedback' | 'completion';

/** A Canvas Live Event, normalised. */
export interface CanvasPushTrigger {
  source: 'canvas-live-events';
  /** The Live Event name, e.g. `grade_change`. */
  eventName: string;
  /** When Canvas says it happened (ISO 8601), if it said. */
  eventTime?: string;
  /** Which Canvas sent it; the endpoint matches this to a registered platform. */
  platformHint: { rootAccountUuid?: string; hostname?: string };
  course: { canvasGlobalId?: string; canvasId?: string };
  /**
   * The learner. Empty for `submission_comment_created` (the event names the comment's author,
   * not the submission's owner): the re-read finds the learner through the submission id.
   */
  user: { canvasGlobalId?: string; canvasId?: string; ltiUserId?: string };
  assessment?: {
    canvasAssignmentId?: string;
    canvasQuizId?: string;
    /** Submission (or classic QuizSubmission) id, local form. */
    canvasSubmissionId?: string;
    attempt?: number;
  };
  kind: PushKind;
  /**
   * Same for every delivery of the same event (Canvas delivers at least once), so the endpoint
   * can drop duplicates: event name, submission or user, attempt, event time.
   */
  idempotencyKey: string;
}

/** A Moodle `logstore_xapi` statement, normalised. */
export interface MoodlePushTrigger {
  source: 'moodle-xapi';
  /** The Moodle wwwroot from `actor.account.homePage`, without a trailing slash. */
  siteUrl: string;
  /** The Moodle user id from `actor.account.name`. */
  userId: string;
  /** Course module id (`view.php?id=`), when the statement is about an activity. */
  cmid?: string;
  /** Course id (`course/view.php?id=`), when the statement names the course. */
  courseId?: string;
  kind: PushKind;
  /** The Moodle event, e.g. `\mod_quiz\event\attempt_submitted` (from the statement or inferred). */
  eventName: string;
  /** Statement timestamp, if any. */
  timestamp?: string;
  /** The statement `id` if the sender set one, else a digest of the fields above. */
  idempotencyKey: string;
}

/** Any push trigger. */
export type PushTrigger = CanvasPushTrigger | MoodlePushTrigger;

/** A well-formed push Jalon does not use; acknowledged (2xx) and dropped. */
export interface IgnoredPush {
  ignored: string;
}
