-- Argo CD action discovery for a KubeRay RayCronJob: suspend and resume the scheduling
-- through spec.suspend (RayJobs already created run on).
local actions = {}
actions["suspend"] = {["disabled"] = true, ["iconClass"] = "fa fa-fw fa-pause", ["displayName"] = "Suspend"}
actions["resume"] = {["disabled"] = true, ["iconClass"] = "fa fa-fw fa-play", ["displayName"] = "Resume"}
if obj.spec ~= nil and obj.spec.suspend == true then
  actions["resume"]["disabled"] = false
else
  actions["suspend"]["disabled"] = false
end
return actions
