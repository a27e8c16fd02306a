-- Unqualified on purpose: the tables live in whatever schema search_path names.
ALTER TABLE "analysis_results" ADD CONSTRAINT "analysis_results_video_id_fk" FOREIGN KEY ("video_id") REFERENCES "videos"("id");--> statement-breakpoint
ALTER TABLE "paid_call_journal" ADD CONSTRAINT "paid_call_journal_video_id_fk" FOREIGN KEY ("video_id") REFERENCES "videos"("id");
