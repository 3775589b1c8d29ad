CREATE TABLE "completions" (
	"microcredential_id" text NOT NULL,
	"learner" text NOT NULL,
	"scope_kind" text NOT NULL,
	"scope_lms_id" text DEFAULT '' NOT NULL,
	"completed_at" timestamp with time zone,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "feedback" (
	"id" text PRIMARY KEY NOT NULL,
	"microcredential_id" text NOT NULL,
	"learner" text NOT NULL,
	"assessment_source" text NOT NULL,
	"assessment_lms_id" text NOT NULL,
	"attempt_number" integer,
	"given_at" timestamp with time zone NOT NULL,
	"origin" text NOT NULL,
	"source_id" text NOT NULL,
	"body" text,
	"given_by" text,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "learners" (
	"microcredential_id" text NOT NULL,
	"user_id" text NOT NULL,
	"lms_user_id" text,
	"sis_person_id" text,
	"name" text,
	"email" text,
	"path" text DEFAULT 'regular' NOT NULL,
	"locale" text,
	"status" text DEFAULT 'active' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "overrides" (
	"id" text PRIMARY KEY NOT NULL,
	"microcredential_id" text NOT NULL,
	"learner" text NOT NULL,
	"kind" text NOT NULL,
	"data" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"withdrawn_at" timestamp with time zone,
	"withdrawn_by" text
);
--> statement-breakpoint
CREATE TABLE "standings" (
	"microcredential_id" text NOT NULL,
	"learner" text NOT NULL,
	"definition_version_id" text NOT NULL,
	"status" text NOT NULL,
	"standing" jsonb NOT NULL,
	"evaluated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "transcript_records" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"id" text NOT NULL,
	"event" text NOT NULL,
	"award_id" text NOT NULL,
	"microcredential_id" text NOT NULL,
	"definition_version_id" text NOT NULL,
	"platform_id" text NOT NULL,
	"context_id" text NOT NULL,
	"course_title" text,
	"course_code" text,
	"learner_id" text NOT NULL,
	"lms_user_id" text,
	"sis_person_id" text,
	"sis_section_id" text,
	"institution" jsonb,
	"learner_name" text,
	"learner_email" text,
	"title" jsonb NOT NULL,
	"essentials" jsonb NOT NULL,
	"score" numeric(6, 2),
	"passing_attempt" jsonb,
	"by_prior_learning" boolean DEFAULT false NOT NULL,
	"decided_by" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"starts_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"reason" text,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "completions" ADD CONSTRAINT "completions_microcredential_id_microcredentials_id_fk" FOREIGN KEY ("microcredential_id") REFERENCES "public"."microcredentials"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback" ADD CONSTRAINT "feedback_microcredential_id_microcredentials_id_fk" FOREIGN KEY ("microcredential_id") REFERENCES "public"."microcredentials"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learners" ADD CONSTRAINT "learners_microcredential_id_microcredentials_id_fk" FOREIGN KEY ("microcredential_id") REFERENCES "public"."microcredentials"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "overrides" ADD CONSTRAINT "overrides_microcredential_id_microcredentials_id_fk" FOREIGN KEY ("microcredential_id") REFERENCES "public"."microcredentials"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "standings" ADD CONSTRAINT "standings_microcredential_id_microcredentials_id_fk" FOREIGN KEY ("microcredential_id") REFERENCES "public"."microcredentials"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transcript_records" ADD CONSTRAINT "transcript_records_award_id_awards_id_fk" FOREIGN KEY ("award_id") REFERENCES "public"."awards"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "completions_uq" ON "completions" USING btree ("microcredential_id","learner","scope_kind","scope_lms_id");--> statement-breakpoint
CREATE UNIQUE INDEX "feedback_source_uq" ON "feedback" USING btree ("microcredential_id","origin","source_id");--> statement-breakpoint
CREATE INDEX "feedback_learner_ix" ON "feedback" USING btree ("microcredential_id","learner");--> statement-breakpoint
CREATE UNIQUE INDEX "learners_uq" ON "learners" USING btree ("microcredential_id","user_id");--> statement-breakpoint
CREATE INDEX "overrides_learner_ix" ON "overrides" USING btree ("microcredential_id","learner");--> statement-breakpoint
CREATE UNIQUE INDEX "standings_uq" ON "standings" USING btree ("microcredential_id","learner");--> statement-breakpoint
CREATE UNIQUE INDEX "transcript_records_id_uq" ON "transcript_records" USING btree ("id");--> statement-breakpoint
CREATE UNIQUE INDEX "transcript_records_event_uq" ON "transcript_records" USING btree ("award_id","event");--> statement-breakpoint
CREATE INDEX "transcript_records_mc_ix" ON "transcript_records" USING btree ("microcredential_id","seq");