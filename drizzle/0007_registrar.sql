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
ALTER TABLE "registrar_export_runs" ADD CONSTRAINT "registrar_export_runs_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registrar_export_runs" ADD CONSTRAINT "registrar_export_runs_schedule_id_registrar_schedules_id_fk" FOREIGN KEY ("schedule_id") REFERENCES "public"."registrar_schedules"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registrar_schedules" ADD CONSTRAINT "registrar_schedules_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registrar_tokens" ADD CONSTRAINT "registrar_tokens_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "registrar_export_runs_platform_ix" ON "registrar_export_runs" USING btree ("platform_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "registrar_export_runs_period_uq" ON "registrar_export_runs" USING btree ("schedule_id","period");--> statement-breakpoint
CREATE INDEX "registrar_schedules_platform_ix" ON "registrar_schedules" USING btree ("platform_id");--> statement-breakpoint
CREATE UNIQUE INDEX "registrar_tokens_hash_uq" ON "registrar_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "registrar_tokens_platform_ix" ON "registrar_tokens" USING btree ("platform_id");--> statement-breakpoint
-- Keyset pages of the registrar exports: by platform then seq (CSV, JSON Lines) and by
-- platform, learner, seq (CLR, one credential per learner). On the lead's table: move
-- these into src/db/schema/transcripts.ts at merge so that drizzle's snapshot knows them.
CREATE INDEX IF NOT EXISTS "transcript_records_platform_seq_ix" ON "transcript_records" USING btree ("platform_id","seq");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "transcript_records_learner_ix" ON "transcript_records" USING btree ("platform_id","learner_id","seq");
