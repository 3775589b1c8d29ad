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
CREATE INDEX "push_receipts_at_ix" ON "push_receipts" USING btree ("received_at");--> statement-breakpoint
CREATE UNIQUE INDEX "badge_issuer_keys_current_uq" ON "badge_issuer_keys" USING btree ("platform_id") WHERE retired_at is null;--> statement-breakpoint
CREATE UNIQUE INDEX "badge_status_lists_seq_uq" ON "badge_status_lists" USING btree ("platform_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "issued_badges_award_uq" ON "issued_badges" USING btree ("award_id");--> statement-breakpoint
CREATE UNIQUE INDEX "issued_badges_status_uq" ON "issued_badges" USING btree ("status_list_id","status_index");