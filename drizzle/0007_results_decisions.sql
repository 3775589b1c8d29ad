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
ALTER TABLE "intake_status" ADD CONSTRAINT "intake_status_microcredential_id_microcredentials_id_fk" FOREIGN KEY ("microcredential_id") REFERENCES "public"."microcredentials"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "push_endpoints" ADD CONSTRAINT "push_endpoints_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "push_receipts" ADD CONSTRAINT "push_receipts_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "course_instructors" ADD CONSTRAINT "course_instructors_microcredential_id_microcredentials_id_fk" FOREIGN KEY ("microcredential_id") REFERENCES "public"."microcredentials"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gradebook_endpoints" ADD CONSTRAINT "gradebook_endpoints_microcredential_id_microcredentials_id_fk" FOREIGN KEY ("microcredential_id") REFERENCES "public"."microcredentials"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gradebook_scores" ADD CONSTRAINT "gradebook_scores_microcredential_id_microcredentials_id_fk" FOREIGN KEY ("microcredential_id") REFERENCES "public"."microcredentials"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "push_receipts_at_ix" ON "push_receipts" USING btree ("received_at");