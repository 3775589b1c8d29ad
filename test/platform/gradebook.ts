/**
 * The course gradebook behind AGS: the tools' own columns and the course's native items
 * (quizzes, assignments, another tool's column), which AGS must never reveal.
 */
import { Sequence } from './ids.js';
import type { Family, LineItem, StoredGrade } from './types.js';

/** Fields a tool may set on a line item. */
export interface LineItemInput {
  label: string;
  scoreMaximum: number;
  resourceId?: string;
  tag?: string;
  resourceLinkId?: string;
  startDateTime?: string;
  endDateTime?: string;
}

/** Client id of the "other tool" whose column is seeded in every course. */
export const OTHER_TOOL_CLIENT_ID = 'other-tool-client';

/** All line items of the platform. */
export class Gradebook {
  private readonly items = new Map<string, LineItem>();
  private readonly ids: Sequence;

  constructor(readonly family: Family) {
    this.ids = new Sequence(family === 'moodle' ? 101 : 1);
  }

  /** Creates a column. `clientId` null makes it native (invisible to every tool). */
  create(
    courseHandle: string,
    clientId: string | null,
    input: LineItemInput,
    nativeModule?: string,
  ): LineItem {
    const item: LineItem = {
      id: String(this.ids.take()),
      courseHandle,
      clientId,
      ...(nativeModule ? { nativeModule } : {}),
      label: input.label,
      scoreMaximum: input.scoreMaximum,
      resourceId: input.resourceId ?? '',
      tag: input.tag ?? '',
      resourceLinkId: input.resourceLinkId ?? '',
      ...(input.startDateTime ? { startDateTime: input.startDateTime } : {}),
      ...(input.endDateTime ? { endDateTime: input.endDateTime } : {}),
      grades: new Map<string, StoredGrade>(),
    };
    this.items.set(item.id, item);
    return item;
  }

  /**
   * Seeds a course with columns no tool may see: a quiz and an assignment (with grades,
   * so a leak would show data) and a column owned by another tool.
   */
  seedNative(courseHandle: string, learnerSubs: readonly string[]): LineItem[] {
    const quiz = this.create(courseHandle, null, { label: 'Quiz – summative', scoreMaximum: 10 }, 'quiz');
    const assign = this.create(courseHandle, null, { label: 'Essay', scoreMaximum: 100 }, 'assign');
    const other = this.create(courseHandle, OTHER_TOOL_CLIENT_ID, {
      label: 'Other tool column',
      scoreMaximum: 50,
      tag: 'other',
    });
    const at = Date.parse('2025-01-15T10:00:00Z');
    for (const sub of learnerSubs) {
      for (const item of [quiz, assign, other]) {
        item.grades.set(sub, {
          userSub: sub,
          scoreGiven: item.scoreMaximum * 0.9,
          scoreMaximum: item.scoreMaximum,
          activityProgress: 'Completed',
          gradingProgress: 'FullyGraded',
          timestamp: at,
        });
      }
    }
    return [quiz, assign, other];
  }

  /** The item with this id, whoever owns it. */
  get(id: string): LineItem | undefined {
    return this.items.get(id);
  }

  /** The item if it is in this course and owned by this tool; undefined otherwise. */
  owned(id: string, courseHandle: string, clientId: string): LineItem | undefined {
    const item = this.items.get(id);
    return item && item.courseHandle === courseHandle && item.clientId === clientId ? item : undefined;
  }

  /** A tool's own items in a course, in creation order. */
  list(courseHandle: string, clientId: string): LineItem[] {
    return [...this.items.values()].filter((i) => i.courseHandle === courseHandle && i.clientId === clientId);
  }

  /** Every item of a course, native ones included (for assertions). */
  allInCourse(courseHandle: string): LineItem[] {
    return [...this.items.values()].filter((i) => i.courseHandle === courseHandle);
  }

  /** Removes an item. */
  delete(id: string): void {
    this.items.delete(id);
  }
}
