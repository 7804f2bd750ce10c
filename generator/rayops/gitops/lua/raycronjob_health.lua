-- Argo CD health of a KubeRay RayCronJob (ray.io/v1), KubeRay 1.6 and later.
-- A RayCronJob has no conditions: its status holds only lastScheduleTime. It is healthy
-- while it schedules RayJobs and suspended when spec.suspend stops the scheduling; the
-- RayJobs it creates carry their own health.
-- Runs without the Lua standard library, as Argo CD runs argocd-cm scripts.
local hs = {}

if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "RayCronJob is suspended: no new RayJobs are scheduled"
  return hs
end

hs.status = "Healthy"
hs.message = "RayCronJob schedules RayJobs"
if obj.status ~= nil and obj.status.lastScheduleTime ~= nil then
  hs.message = "RayCronJob last scheduled a RayJob at " .. obj.status.lastScheduleTime
end
return hs
