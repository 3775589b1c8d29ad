/**
 * A course of many learners who all pass (for the durability tests and the bench): a
 * summative quiz and essay on the Moodle-shaped test platform, each learner with a passing
 * attempt at both, well before the fixture definition's deadline.
 */
import type { Platform } from '../platform/index.js';

/** Adds course `handle` with `learners` learners (`<handle>-l<i>`) who pass both items. */
export function seedPassingCourse(p: Platform, handle: string, learners: number): string[] {
  p.addCourse({ handle, label: handle.toUpperCase(), title: `Course ${handle}` });
  const quiz = p.moodle.addQuiz(handle, { name: 'Quiz – summative', grade: 10, sumgrades: 10, attempts: 2 });
  const essay = p.moodle.addAssignment(handle, { name: 'Essay', grade: 100, maxattempts: 2 });
  const handles: string[] = [];
  for (let i = 0; i < learners; i++) {
    const h = `${handle}-l${i}`;
    p.addUser({ handle: h, givenName: `L${i}`, familyName: 'Pass', email: `${h}@example.edu` });
    p.enrol(h, handle, 'learner');
    p.moodle.addQuizAttempt(quiz.id, h, { percent: 95, finishedAt: '2025-01-10T10:00:00Z' });
    p.moodle.submitAssignment(essay.id, h, { at: '2025-01-11T10:00:00Z' });
    p.moodle.gradeAssignment(essay.id, h, { grade: 90, at: '2025-01-12T10:00:00Z' });
    handles.push(h);
  }
  return handles;
}
