CREATE TABLE "lti_accesstoken" (
	"platform_url" text,
	"client_id" text,
	"scopes" text,
	"data" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lti_accesstoken_uq" UNIQUE NULLS NOT DISTINCT("platform_url","client_id","scopes")
);
--> statement-breakpoint
CREATE TABLE "lti_contexttoken" (
	"context_id" text,
	"user" text,
	"roles" jsonb,
	"path" text,
	"target_link_uri" text,
	"context" jsonb,
	"resource" jsonb,
	"custom" jsonb,
	"launch_presentation" jsonb,
	"message_type" text,
	"version" text,
	"deep_linking_settings" jsonb,
	"lis" jsonb,
	"endpoint" jsonb,
	"names_roles" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lti_contexttoken_uq" UNIQUE NULLS NOT DISTINCT("context_id","user")
);
--> statement-breakpoint
CREATE TABLE "lti_idtoken" (
	"iss" text,
	"user" text,
	"user_info" jsonb,
	"platform_info" jsonb,
	"client_id" text,
	"platform_id" text,
	"deployment_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lti_idtoken_uq" UNIQUE NULLS NOT DISTINCT("iss","client_id","deployment_id","user")
);
--> statement-breakpoint
CREATE TABLE "lti_nonce" (
	"nonce" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lti_nonce_uq" UNIQUE NULLS NOT DISTINCT("nonce")
);
--> statement-breakpoint
CREATE TABLE "lti_platform" (
	"platform_url" text,
	"platform_name" text,
	"client_id" text,
	"auth_endpoint" text,
	"accesstoken_endpoint" text,
	"authorization_server" text,
	"kid" text,
	"auth_config" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lti_platform_url_client_uq" UNIQUE NULLS NOT DISTINCT("platform_url","client_id"),
	CONSTRAINT "lti_platform_kid_uq" UNIQUE("kid")
);
--> statement-breakpoint
CREATE TABLE "lti_platform_status" (
	"id" text,
	"active" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lti_platform_status_id_uq" UNIQUE NULLS NOT DISTINCT("id")
);
--> statement-breakpoint
CREATE TABLE "lti_privatekey" (
	"kid" text,
	"platform_url" text,
	"client_id" text,
	"data" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lti_privatekey_kid_uq" UNIQUE("kid"),
	CONSTRAINT "lti_privatekey_url_client_uq" UNIQUE NULLS NOT DISTINCT("platform_url","client_id")
);
--> statement-breakpoint
CREATE TABLE "lti_publickey" (
	"kid" text,
	"platform_url" text,
	"client_id" text,
	"data" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lti_publickey_kid_uq" UNIQUE("kid"),
	CONSTRAINT "lti_publickey_url_client_uq" UNIQUE NULLS NOT DISTINCT("platform_url","client_id")
);
--> statement-breakpoint
CREATE TABLE "lti_state" (
	"state" text,
	"query" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lti_state_uq" UNIQUE NULLS NOT DISTINCT("state")
);
--> statement-breakpoint
CREATE INDEX "lti_accesstoken_created_idx" ON "lti_accesstoken" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "lti_contexttoken_created_idx" ON "lti_contexttoken" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "lti_idtoken_created_idx" ON "lti_idtoken" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "lti_nonce_created_idx" ON "lti_nonce" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "lti_state_created_idx" ON "lti_state" USING btree ("created_at");