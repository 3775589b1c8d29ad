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
ALTER TABLE "nrps_endpoints" ADD CONSTRAINT "nrps_endpoints_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE cascade ON UPDATE no action;