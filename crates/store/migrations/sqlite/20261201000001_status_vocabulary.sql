-- One vocabulary per concept (meetflow_proto::status): capture outcomes say what was captured,
-- and the never-written tenant_settings cache goes.
UPDATE meetings SET status = 'captured' WHERE status = 'recording_ready';
UPDATE meetings SET status = 'partially_captured' WHERE status = 'partial';
UPDATE meetings SET status = 'nothing_captured' WHERE status = 'no_recording';
DROP TABLE IF EXISTS tenant_settings;
