CREATE TABLE "intake_watermarks" (
	"microcredential_id" text NOT NULL,
	"item_key" text NOT NULL,
	"read_from" timestamp with time zone NOT NULL,
	"full_read_at" timestamp with time zone NOT NULL,
	CONSTRAINT "intake_watermarks_microcredential_id_item_key_pk" PRIMARY KEY("microcredential_id","item_key")
);
--> statement-breakpoint
ALTER TABLE "learners" ADD COLUMN "active_since" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "intake_watermarks" ADD CONSTRAINT "intake_watermarks_microcredential_id_microcredentials_id_fk" FOREIGN KEY ("microcredential_id") REFERENCES "public"."microcredentials"("id") ON DELETE cascade ON UPDATE no action;