CREATE TABLE "attempts" (
	"id" text PRIMARY KEY NOT NULL,
	"microcredential_id" text NOT NULL,
	"learner" text NOT NULL,
	"assessment_source" text NOT NULL,
	"assessment_lms_id" text NOT NULL,
	"attempt_number" integer NOT NULL,
	"score" double precision,
	"max_score" double precision,
	"submitted_at" timestamp with time zone NOT NULL,
	"graded_at" timestamp with time zone,
	"source" text NOT NULL,
	"source_id" text NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "attempts_number_ck" CHECK ("attempts"."attempt_number" >= 1)
);
--> statement-breakpoint
ALTER TABLE "attempts" ADD CONSTRAINT "attempts_microcredential_id_microcredentials_id_fk" FOREIGN KEY ("microcredential_id") REFERENCES "public"."microcredentials"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "attempts_attempt_uq" ON "attempts" USING btree ("microcredential_id","learner","assessment_source","assessment_lms_id","attempt_number");--> statement-breakpoint
CREATE UNIQUE INDEX "attempts_source_uq" ON "attempts" USING btree ("microcredential_id","source","source_id");