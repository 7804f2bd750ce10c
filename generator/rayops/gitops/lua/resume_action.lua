-- Argo CD resource action "resume": clears spec.suspend, so the KubeRay operator creates
-- the Ray Pods again (RayCluster), starts the job anew (RayJob) or schedules again
-- (RayCronJob).
obj.spec.suspend = false
return obj
