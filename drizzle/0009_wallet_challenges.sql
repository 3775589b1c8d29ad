CREATE TABLE "wallet_challenges" (
	"challenge" text PRIMARY KEY NOT NULL,
	"badge_id" text NOT NULL,
	"used_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "wallet_challenges_used_ix" ON "wallet_challenges" USING btree ("used_at");