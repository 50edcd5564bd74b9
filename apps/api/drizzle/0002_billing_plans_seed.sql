-- The plan catalog: starter (also the limits of a tenant without a subscription) and pro.
-- Stripe product/price ids are filled in by `agentry stripe setup`; later catalog changes are new migrations.
INSERT INTO "billing_plans" ("code", "name", "description", "interval", "price_cents", "currency", "trial_days", "seats_included", "sort_order", "features")
VALUES
  ('starter', 'Starter', 'For small teams trying agents on real work.', 'month', 1900, 'usd', 14, 3, 10,
   '[{"key":"messages","display_name":"Messages per month","hard_limit":2000,"soft_limit":1600,"metered":true},
     {"key":"input_tokens","display_name":"Input tokens per month","hard_limit":2000000,"soft_limit":1600000,"metered":true},
     {"key":"output_tokens","display_name":"Output tokens per month","hard_limit":500000,"soft_limit":400000,"metered":true},
     {"key":"seats","display_name":"Seats","hard_limit":5,"soft_limit":3,"metered":false}]'::jsonb),
  ('pro', 'Pro', 'For teams that run agents all day.', 'month', 9900, 'usd', 14, 10, 20,
   '[{"key":"messages","display_name":"Messages per month","hard_limit":50000,"soft_limit":40000,"metered":true},
     {"key":"input_tokens","display_name":"Input tokens per month","hard_limit":50000000,"soft_limit":40000000,"metered":true},
     {"key":"output_tokens","display_name":"Output tokens per month","hard_limit":10000000,"soft_limit":8000000,"metered":true},
     {"key":"seats","display_name":"Seats","hard_limit":50,"soft_limit":40,"metered":false}]'::jsonb)
ON CONFLICT ("code") DO NOTHING;
