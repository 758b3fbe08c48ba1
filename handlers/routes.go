package handlers

import (
	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// routes is the one table of every URL, method and middleware.
func (s *Server) routes() *gin.Engine {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	r.Use(s.requestID, s.logRequests, s.recoverPanic, s.securityHeaders, s.limitBody)
	r.NoRoute(s.notFound)
	r.NoMethod(s.methodNotAllowed)

	r.GET("/healthz", s.health)
	r.GET("/static/*filepath", s.serveStatic)
	r.GET("/", s.chooseLanguage)

	for _, l := range Languages {
		g := r.Group("/"+l, s.withLang(l), s.loadSession, s.checkForm)
		g.GET("/setup", s.showSetup)
		g.POST("/setup", s.completeSetup)

		open := g.Group("", s.requireSetup)
		open.GET("/", s.showHome)
		open.GET("/login", s.showLogin)
		open.POST("/login", s.login)
		open.POST("/logout", s.logout)
		open.GET("/invite/:token", s.showInvitation)
		open.POST("/invite/:token", s.acceptInvitation)

		admin := open.Group("/admin", s.requireRole(survey.RoleAdmin))
		admin.GET("/institutions", s.listInstitutions)
		admin.GET("/institutions/new", s.newInstitution)
		admin.POST("/institutions", s.createInstitution)
		admin.GET("/institutions/import", s.showImportInstitutions)
		admin.POST("/institutions/import", s.importInstitutions)
		admin.GET("/institutions/export.csv", s.exportInstitutions)
		admin.GET("/institutions/:code/edit", s.editInstitution)
		admin.POST("/institutions/:code", s.updateInstitution)
		admin.POST("/institutions/:code/active", s.setInstitutionActive)
		admin.GET("/invitations", s.listInvitations)
		admin.POST("/invitations", s.createInvitation)
		admin.POST("/invitations/:id/revoke", s.revokeInvitation)
		admin.GET("/users", s.listUsers)
	}

	api := r.Group("/api/v1", s.loadSession, s.requireSetup, s.checkAPIWrite)
	api.POST("/auth/login", s.apiLogin)
	api.POST("/auth/logout", s.apiLogout)
	signedIn := api.Group("", s.requireUser)
	signedIn.GET("/me", s.apiMe)
	signedIn.GET("/institutions", s.apiListInstitutions)
	signedIn.GET("/institutions/:code", s.apiGetInstitution)
	apiAdmin := signedIn.Group("", s.requireRole(survey.RoleAdmin))
	apiAdmin.POST("/institutions", s.apiCreateInstitution)
	apiAdmin.PUT("/institutions/:code", s.apiUpdateInstitution)
	apiAdmin.DELETE("/institutions/:code", s.apiDeleteInstitution)
	return r
}
