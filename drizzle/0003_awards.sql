CREATE TABLE "awards" (
	"id" text PRIMARY KEY NOT NULL,
	"microcredential_id" text NOT NULL,
	"definition_version_id" text NOT NULL,
	"user_id" text NOT NULL,
	"learner_name" text,
	"learner_email" text,
	"score" numeric(6, 2),
	"passing_attempt" integer,
	"by_prior_learning" boolean DEFAULT false NOT NULL,
	"decided_by" text NOT NULL,
	"reason" jsonb,
	"status" text DEFAULT 'active' NOT NULL,
	"awarded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_reason" text
);
--> statement-breakpoint
ALTER TABLE "awards" ADD CONSTRAINT "awards_microcredential_id_microcredentials_id_fk" FOREIGN KEY ("microcredential_id") REFERENCES "public"."microcredentials"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "awards" ADD CONSTRAINT "awards_definition_version_id_definition_versions_id_fk" FOREIGN KEY ("definition_version_id") REFERENCES "public"."definition_versions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "awards_learner_uq" ON "awards" USING btree ("microcredential_id","user_id");