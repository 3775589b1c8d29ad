CREATE TABLE "intake_status" (
	"microcredential_id" text PRIMARY KEY NOT NULL,
	"last_attempt_at" timestamp with time zone,
	"last_ok_at" timestamp with time zone,
	"problem" jsonb,
	"problem_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "push_endpoints" (
	"platform_id" text PRIMARY KEY NOT NULL,
	"xapi_username" text,
	"xapi_password_hash" text,
	"canvas_jwks_url" text,
	"canvas_jwks" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "push_receipts" (
	"platform_id" text NOT NULL,
	"key" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "push_receipts_platform_id_key_pk" PRIMARY KEY("platform_id","key")
);
--> statement-breakpoint
CREATE TABLE "course_instructors" (
	"microcredential_id" text NOT NULL,
	"user_id" text NOT NULL,
	"name" text,
	"email" text,
	"locale" text,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "course_instructors_microcredential_id_user_id_pk" PRIMARY KEY("microcredential_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "gradebook_endpoints" (
	"microcredential_id" text PRIMARY KEY NOT NULL,
	"platform_id" text NOT NULL,
	"line_items_url" text NOT NULL,
	"scopes" text NOT NULL,
	"line_item_url" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gradebook_scores" (
	"microcredential_id" text NOT NULL,
	"learner" text NOT NULL,
	"last_timestamp" timestamp with time zone NOT NULL,
	CONSTRAINT "gradebook_scores_microcredential_id_learner_pk" PRIMARY KEY("microcredential_id","learner")
);
--> statement-breakpoint
CREATE TABLE "badge_issuer_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"platform_id" text NOT NULL,
	"did" text NOT NULL,
	"public_key_multibase" text NOT NULL,
	"sealed_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "badge_status_lists" (
	"id" text PRIMARY KEY NOT NULL,
	"platform_id" text NOT NULL,
	"seq" integer NOT NULL,
	"length" integer NOT NULL,
	"allocated" integer DEFAULT 0 NOT NULL,
	"credential" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "issued_badges" (
	"id" text PRIMARY KEY NOT NULL,
	"award_id" text NOT NULL,
	"platform_id" text NOT NULL,
	"credentials" jsonb NOT NULL,
	"lang" text NOT NULL,
	"status_list_id" text NOT NULL,
	"status_index" integer NOT NULL,
	"recipient_name" text NOT NULL,
	"recipient_email" text NOT NULL,
	"identity_salt" text NOT NULL,
	"key_id" text NOT NULL,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"emailed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "registrar_export_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"platform_id" text NOT NULL,
	"schedule_id" text,
	"period" text,
	"requested_by" text NOT NULL,
	"filters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"format" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"rows" integer DEFAULT 0 NOT NULL,
	"expected_rows" integer,
	"file_path" text,
	"checksum" text,
	"from_seq" bigint,
	"to_seq" bigint,
	"attempts" integer DEFAULT 0 NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "registrar_schedules" (
	"id" text PRIMARY KEY NOT NULL,
	"platform_id" text NOT NULL,
	"name" text NOT NULL,
	"cron" text NOT NULL,
	"format" text NOT NULL,
	"filters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"target_dir" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"last_seq" bigint DEFAULT 0 NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"disabled_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "registrar_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"platform_id" text NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"scopes" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	"last_seq" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "nrps_endpoints" (
	"platform_id" text NOT NULL,
	"context_id" text NOT NULL,
	"memberships_url" text NOT NULL,
	"service_versions" text DEFAULT '' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_read_at" timestamp with time zone,
	"problem" jsonb,
	"problem_at" timestamp with time zone,
	CONSTRAINT "nrps_endpoints_platform_id_context_id_pk" PRIMARY KEY("platform_id","context_id")
);
--> statement-breakpoint
ALTER TABLE "intake_status" ADD CONSTRAINT "intake_status_microcredential_id_microcredentials_id_fk" FOREIGN KEY ("microcredential_id") REFERENCES "public"."microcredentials"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "push_endpoints" ADD CONSTRAINT "push_endpoints_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "push_receipts" ADD CONSTRAINT "push_receipts_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "course_instructors" ADD CONSTRAINT "course_instructors_microcredential_id_microcredentials_id_fk" FOREIGN KEY ("microcredential_id") REFERENCES "public"."microcredentials"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gradebook_endpoints" ADD CONSTRAINT "gradebook_endpoints_microcredential_id_microcredentials_id_fk" FOREIGN KEY ("microcredential_id") REFERENCES "public"."microcredentials"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gradebook_scores" ADD CONSTRAINT "gradebook_scores_microcredential_id_microcredentials_id_fk" FOREIGN KEY ("microcredential_id") REFERENCES "public"."microcredentials"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "badge_issuer_keys" ADD CONSTRAINT "badge_issuer_keys_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "badge_status_lists" ADD CONSTRAINT "badge_status_lists_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "issued_badges" ADD CONSTRAINT "issued_badges_award_id_awards_id_fk" FOREIGN KEY ("award_id") REFERENCES "public"."awards"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "issued_badges" ADD CONSTRAINT "issued_badges_status_list_id_badge_status_lists_id_fk" FOREIGN KEY ("status_list_id") REFERENCES "public"."badge_status_lists"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registrar_export_runs" ADD CONSTRAINT "registrar_export_runs_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registrar_export_runs" ADD CONSTRAINT "registrar_export_runs_schedule_id_registrar_schedules_id_fk" FOREIGN KEY ("schedule_id") REFERENCES "public"."registrar_schedules"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registrar_schedules" ADD CONSTRAINT "registrar_schedules_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registrar_tokens" ADD CONSTRAINT "registrar_tokens_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "nrps_endpoints" ADD CONSTRAINT "nrps_endpoints_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "push_receipts_at_ix" ON "push_receipts" USING btree ("received_at");--> statement-breakpoint
CREATE UNIQUE INDEX "badge_issuer_keys_current_uq" ON "badge_issuer_keys" USING btree ("platform_id") WHERE retired_at is null;--> statement-breakpoint
CREATE UNIQUE INDEX "badge_status_lists_seq_uq" ON "badge_status_lists" USING btree ("platform_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "issued_badges_award_uq" ON "issued_badges" USING btree ("award_id");--> statement-breakpoint
CREATE UNIQUE INDEX "issued_badges_status_uq" ON "issued_badges" USING btree ("status_list_id","status_index");--> statement-breakpoint
CREATE INDEX "registrar_export_runs_platform_ix" ON "registrar_export_runs" USING btree ("platform_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "registrar_export_runs_period_uq" ON "registrar_export_runs" USING btree ("schedule_id","period");--> statement-breakpoint
CREATE INDEX "registrar_schedules_platform_ix" ON "registrar_schedules" USING btree ("platform_id");--> statement-breakpoint
CREATE UNIQUE INDEX "registrar_tokens_hash_uq" ON "registrar_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "registrar_tokens_platform_ix" ON "registrar_tokens" USING btree ("platform_id");--> statement-breakpoint
CREATE INDEX "transcript_records_platform_seq_ix" ON "transcript_records" USING btree ("platform_id","seq");--> statement-breakpoint
CREATE INDEX "transcript_records_learner_ix" ON "transcript_records" USING btree ("platform_id","learner_id","seq");