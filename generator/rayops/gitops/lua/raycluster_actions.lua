-- Argo CD action discovery for a KubeRay RayCluster: suspend and resume through spec.suspend.
-- Both stay disabled where toggling spec.suspend would fight another controller: a
-- RayCluster that a RayJob or RayService owns (its owner rewrites the spec), one that Kueue
-- admits (label kueue.x-k8s.io/queue-name), or one another controller manages (spec.managedBy).
local actions = {}
actions["suspend"] = {["disabled"] = true, ["iconClass"] = "fa fa-fw fa-pause", ["displayName"] = "Suspend"}
actions["resume"] = {["disabled"] = true, ["iconClass"] = "fa fa-fw fa-play", ["displayName"] = "Resume"}

local controlled_elsewhere = false
local metadata = obj.metadata or {}
if metadata.ownerReferences ~= nil then
  for _, owner in ipairs(metadata.ownerReferences) do
    if owner.kind == "RayJob" or owner.kind == "RayService" then
      controlled_elsewhere = true
    end
  end
end
if metadata.labels ~= nil and metadata.labels["kueue.x-k8s.io/queue-name"] ~= nil then
  controlled_elsewhere = true
end
local spec = obj.spec or {}
if spec.managedBy ~= nil and spec.managedBy ~= "ray.io/kuberay-operator" then
  controlled_elsewhere = true
end

if not controlled_elsewhere then
  if spec.suspend == true then
    actions["resume"]["disabled"] = false
  else
    actions["suspend"]["disabled"] = false
  end
end
return actions
